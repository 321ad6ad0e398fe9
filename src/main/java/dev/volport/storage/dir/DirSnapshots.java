package dev.volport.storage.dir;

import dev.volport.storage.Snapshots;
import dev.volport.storage.StorageException;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.List;

/**
 * Snapshots of a {@code dir} storage: the internal snapshots of qcow2 images, read by {@code format.qcow2}. Writing
 * them (create, delete, rollback) needs the qcow2 snapshot writer, which does not exist yet; until then those refuse.
 */
final class DirSnapshots implements Snapshots {
    private final DirStorage storage;

    DirSnapshots(DirStorage storage) {
        this.storage = storage;
    }

    @Override
    public List<String> list(VolumeName name) throws IOException {
        return storage.info(name).snapshots();
    }

    @Override
    public void create(VolumeName name, SnapshotName snapshot) throws IOException {
        throw notYet("create", name, snapshot);
    }

    @Override
    public void delete(VolumeName name, SnapshotName snapshot) throws IOException {
        throw notYet("delete", name, snapshot);
    }

    @Override
    public void rollback(VolumeName name, SnapshotName snapshot) throws IOException {
        throw notYet("rollback", name, snapshot);
    }

    private StorageException notYet(String op, VolumeName name, SnapshotName snapshot) {
        return new StorageException("snapshot " + op + " of " + storage.id(name) + " ('" + snapshot.value()
                + "'): not implemented yet for storage type 'dir'");
    }
}
