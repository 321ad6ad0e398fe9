package dev.volport.storage.zfs;

import dev.volport.storage.Snapshots;
import dev.volport.storage.StorageException;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ZFS snapshots of zfspool volumes: {@code zfs snapshot}, {@code zfs destroy} of one snapshot, {@code zfs rollback
 * -r} (which, as in the reference, destroys the snapshots taken after the one rolled back to), and the list
 * oldest first. Also the migration snapshot {@value #MIGRATION} (DESIGN §7): {@link #createMigration} before an
 * export that needs a snapshot, {@link #removeMigration} on the source afterwards whatever happened.
 */
final class ZfsSnapshots implements Snapshots {
    /** The snapshot the reference's storage_migrate takes for a zfspool source. */
    static final String MIGRATION = "__migration__";

    private final ZfsPoolStorage storage;

    ZfsSnapshots(ZfsPoolStorage storage) {
        this.storage = storage;
    }

    private String where(ZfsVolumeName name, String snapshot) {
        return "'" + storage.zfs().commands().dataset(name.name()) + "@" + snapshot + "' (volume "
                + storage.id(name) + ")";
    }

    @Override
    public List<String> list(VolumeName volname) throws IOException {
        ZfsVolumeName name = storage.own(volname);
        ZfsTool zfs = storage.zfs();
        if (!zfs.exists(name.name(), Optional.empty())) {
            throw new StorageException("volume " + storage.id(name) + " does not exist");
        }
        var r = zfs.run(zfs.commands().listSnapshots(name.name()), "cannot list the snapshots of "
                + storage.id(name));
        String prefix = zfs.commands().dataset(name.name()) + "@";
        List<String> out = new ArrayList<>();
        for (String line : r.stdoutLines()) {
            if (line.startsWith(prefix)) {
                out.add(line.substring(prefix.length()));
            }
        }
        return out;
    }

    @Override
    public void create(VolumeName volname, SnapshotName snapshot) throws IOException {
        ZfsVolumeName name = storage.own(volname);
        storage.zfs().run(storage.zfs().commands().snapshot(name.name(), snapshot.value()),
                "cannot create snapshot " + where(name, snapshot.value()));
    }

    @Override
    public void delete(VolumeName volname, SnapshotName snapshot) throws IOException {
        ZfsVolumeName name = storage.own(volname);
        storage.zfs().run(storage.zfs().commands().destroySnapshot(name.name(), snapshot.value()),
                "cannot delete snapshot " + where(name, snapshot.value()));
    }

    @Override
    public void rollback(VolumeName volname, SnapshotName snapshot) throws IOException {
        ZfsVolumeName name = storage.own(volname);
        storage.zfs().run(storage.zfs().commands().rollback(name.name(), snapshot.value()),
                "cannot roll back to snapshot " + where(name, snapshot.value()));
    }

    /** Takes {@value #MIGRATION} before a migration's export. */
    void createMigration(VolumeName volname) throws IOException {
        create(volname, new SnapshotName(MIGRATION));
    }

    /**
     * Removes {@value #MIGRATION} after a migration, whatever happened; a snapshot that is already gone is no
     * error (a failed migration may not have got as far as creating it).
     */
    void removeMigration(VolumeName volname) throws IOException {
        ZfsVolumeName name = storage.own(volname);
        if (storage.zfs().exists(name.name(), Optional.of(MIGRATION))) {
            delete(volname, new SnapshotName(MIGRATION));
        }
    }
}
