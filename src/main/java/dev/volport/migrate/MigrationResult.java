package dev.volport.migrate;

import dev.volport.volume.VolumeId;
import java.time.Duration;
import java.util.Objects;

/**
 * A finished migration.
 *
 * @param volume  the volume on the target, as the receiver named it (another name after a rename)
 * @param plan    what was done
 * @param bytes   bytes of stream sent (0 without a copy; a local copy without a stream: the data bytes copied)
 * @param elapsed from the start of the stream to the target's success
 * @param inPlace for a local migration copied without a stream, how (a clone, the data ranges); else empty
 */
public record MigrationResult(VolumeId volume, MigrationPlan plan, long bytes, Duration elapsed,
        java.util.Optional<String> inPlace) {
    public MigrationResult {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(plan, "plan");
        Objects.requireNonNull(elapsed, "elapsed");
        Objects.requireNonNull(inPlace, "inPlace");
    }

    /** A migration that streamed, or made no copy at all. */
    public MigrationResult(VolumeId volume, MigrationPlan plan, long bytes, Duration elapsed) {
        this(volume, plan, bytes, elapsed, java.util.Optional.empty());
    }
}
