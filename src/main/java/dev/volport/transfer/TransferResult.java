package dev.volport.transfer;

import dev.volport.format.StreamFormat;
import dev.volport.volume.VolumeId;
import java.time.Duration;
import java.util.Objects;

/**
 * A finished transfer.
 *
 * @param imported the volume that now exists on the target (another name than asked for after a rename)
 * @param format   the stream format that was used
 * @param bytes    bytes that went through the pipe, size header included
 * @param elapsed  from the start of both sides to the end of both
 * @param local    the target copied the volume in place ({@code storage.LocalCopy}: a btrfs snapshot on the same
 *                 filesystem); no stream ran, {@code format} is the one that would have been used, {@code bytes} 0
 */
public record TransferResult(VolumeId imported, StreamFormat format, long bytes, Duration elapsed, boolean local) {
    public TransferResult {
        Objects.requireNonNull(imported, "imported");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** A streamed transfer. */
    public TransferResult(VolumeId imported, StreamFormat format, long bytes, Duration elapsed) {
        this(imported, format, bytes, elapsed, false);
    }
}
