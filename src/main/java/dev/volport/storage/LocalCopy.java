package dev.volport.storage;

import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.Optional;

/**
 * A storage that can copy a volume from another storage without a stream when both share a filesystem (btrfs: a
 * writable snapshot, which shares every block). Implemented by the target storage; {@code transfer.TransferRunner}
 * asks it before it starts streaming. The copy is staged and committed as an import is: under the target's lock,
 * a staging object first, renamed into place without replacing anything, nothing left on failure.
 */
public interface LocalCopy {
    /**
     * Copies {@code from} on {@code source} into the new volume {@code to} of this storage, when that can be done
     * in place: same filesystem, same kind of volume, options a local copy can honour (no snapshots carried, no
     * base). Empty when it cannot, and then nothing was done and the caller streams.
     *
     * @return the volume that now exists (another name than {@code to} after an allowed rename)
     * @throws StorageException when the copy was possible but failed; nothing is left behind
     */
    Optional<VolumeId> copyLocally(Storage source, VolumeName from, VolumeName to, TransferOptions options)
            throws IOException;
}
