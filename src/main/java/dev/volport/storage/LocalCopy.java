package dev.volport.storage;

import dev.volport.io.Progress;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * A storage that can copy a volume from another storage of this host without a stream: a writable btrfs snapshot
 * or a clone of a file (both share every block), or a copy of a raw image's data ranges file to file. Implemented
 * by the target storage; {@code transfer.TransferRunner} asks it before it starts streaming. The copy is staged
 * and committed as an import is: under the target's lock, a staging object first, renamed into place without
 * replacing anything, nothing left on failure.
 */
public interface LocalCopy {
    /**
     * A copy made in place.
     *
     * @param volume the volume that now exists (another name than asked for after an allowed rename)
     * @param how    what was done, in words for the user (e.g. "a snapshot on the same btrfs filesystem")
     * @param bytes  data bytes read and written; 0 where blocks are shared and nothing was copied
     */
    record Copied(VolumeId volume, String how, long bytes) {
        public Copied {
            Objects.requireNonNull(volume, "volume");
            Objects.requireNonNull(how, "how");
        }
    }

    /**
     * Copies {@code from} on {@code source} into the new volume {@code to} of this storage, when that can be done
     * without a stream: same host, same kind of volume, options a local copy can honour (no snapshots carried, no
     * base). Empty when it cannot, and then nothing was done and the caller streams.
     *
     * @param bytesPerSecond the transfer's bandwidth limit, 0 for none: a copy that moves data honours it or
     *                       declines (returns empty), one that shares blocks moves nothing and may ignore it
     * @param progress       told about a copy that moves data (started, advanced, finished); untouched otherwise
     * @throws StorageException when the copy was possible but failed; nothing is left behind
     */
    Optional<Copied> copyLocally(Storage source, VolumeName from, VolumeName to, TransferOptions options,
            long bytesPerSecond, Progress progress) throws IOException;
}
