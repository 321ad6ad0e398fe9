package dev.volport.transfer;

import dev.volport.format.StreamFormat;
import dev.volport.volume.VolumeId;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A finished transfer.
 *
 * @param imported the volume that now exists on the target (another name than asked for after a rename)
 * @param format   the stream format that was used
 * @param bytes    bytes that went through the pipe, size header included
 * @param elapsed  from the start of both sides to the end of both
 * @param inPlace  how the target copied the volume without a stream ({@code storage.LocalCopy}: a btrfs snapshot,
 *                 a clone of a file, the data ranges of a raw file copied file to file), in words for the user;
 *                 empty for a streamed transfer. Then {@code format} is the one a stream would have used and
 *                 {@code bytes} the data bytes copied (0 where blocks are shared)
 */
public record TransferResult(VolumeId imported, StreamFormat format, long bytes, Duration elapsed,
        Optional<String> inPlace) {
    public TransferResult {
        Objects.requireNonNull(imported, "imported");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(inPlace, "inPlace");
    }

    /** A streamed transfer. */
    public TransferResult(VolumeId imported, StreamFormat format, long bytes, Duration elapsed) {
        this(imported, format, bytes, elapsed, Optional.empty());
    }

    /** Whether the volume was copied without a stream. */
    public boolean local() {
        return inPlace.isPresent();
    }
}
