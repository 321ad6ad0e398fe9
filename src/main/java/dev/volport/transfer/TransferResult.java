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
 */
public record TransferResult(VolumeId imported, StreamFormat format, long bytes, Duration elapsed) {
    public TransferResult {
        Objects.requireNonNull(imported, "imported");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(elapsed, "elapsed");
    }
}
