package dev.volport.storage;

import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.List;

/**
 * Snapshot operations of a storage whose volumes can carry snapshots ({@link Storage#snapshots()}; qcow2 internal
 * snapshots on {@code dir}, later btrfs and zfs snapshots). An operation a storage does not implement yet fails
 * with a {@link StorageException} saying so, naming the volume.
 */
public interface Snapshots {
    /** The volume's snapshots, oldest first; empty for a volume whose format has none. */
    List<String> list(VolumeName name) throws IOException;

    /** Takes snapshot {@code snapshot} of the volume's current state. */
    void create(VolumeName name, SnapshotName snapshot) throws IOException;

    /** Removes snapshot {@code snapshot}; the volume's current state is kept. */
    void delete(VolumeName name, SnapshotName snapshot) throws IOException;

    /** Makes the volume's current state that of {@code snapshot} again. */
    void rollback(VolumeName name, SnapshotName snapshot) throws IOException;
}
