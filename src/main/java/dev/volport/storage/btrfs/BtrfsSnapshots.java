package dev.volport.storage.btrfs;

import dev.volport.storage.Snapshots;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

/**
 * Snapshots of a btrfs volume: read-only sibling subvolumes {@code NAME@SNAP} (reference §4.4). Create, delete and
 * rollback run under the storage lock; rollback replaces the writable subvolume by a writable snapshot of the
 * snapshot, staged under a dot-name and swapped in with renames, so the volume never goes missing for longer than
 * between two renames.
 */
final class BtrfsSnapshots implements Snapshots {
    private final BtrfsStorage storage;

    BtrfsSnapshots(BtrfsStorage storage) {
        this.storage = storage;
    }

    private DirVolumeName existing(VolumeName name) throws IOException {
        DirVolumeName vol = storage.own(name);
        storage.volumes().requireOnline();
        Path sv = storage.volumes().subvolume(vol);
        if (!BtrfsVolumes.isSubvolume(sv)) {
            throw new StorageException("volume " + storage.id(vol) + " does not exist (no subvolume '" + sv + "')");
        }
        return vol;
    }

    @Override
    public List<String> list(VolumeName name) throws IOException {
        return storage.volumes().snapshots(existing(name));
    }

    @Override
    public void create(VolumeName name, SnapshotName snapshot) throws IOException {
        DirVolumeName vol = existing(name);
        Path snap = storage.volumes().snapshot(vol, snapshot);
        try (StorageLock lock = StorageLock.acquire(storage.linux(), storage.volumes().lockFile())) {
            if (Files.exists(snap, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException("snapshot '" + snapshot.value() + "' of " + storage.id(vol)
                        + " already exists ('" + snap + "')");
            }
            storage.runner().run(BtrfsCommands.snapshot(storage.volumes().subvolume(vol), snap, true));
        }
    }

    @Override
    public void delete(VolumeName name, SnapshotName snapshot) throws IOException {
        DirVolumeName vol = existing(name);
        Path snap = requireSnapshot(vol, snapshot);
        try (StorageLock lock = StorageLock.acquire(storage.linux(), storage.volumes().lockFile())) {
            storage.runner().run(BtrfsCommands.subvolumeDelete(List.of(snap)));
        }
    }

    @Override
    public void rollback(VolumeName name, SnapshotName snapshot) throws IOException {
        DirVolumeName vol = existing(name);
        Path snap = requireSnapshot(vol, snapshot);
        Path sv = storage.volumes().subvolume(vol);
        String token = Long.toHexString(System.nanoTime());
        Path fresh = sv.resolveSibling(".volport-rollback." + token + "." + sv.getFileName());
        Path old = sv.resolveSibling(".volport-rolledback." + token + "." + sv.getFileName());
        try (StorageLock lock = StorageLock.acquire(storage.linux(), storage.volumes().lockFile())) {
            storage.runner().run(BtrfsCommands.snapshot(snap, fresh, false));
            try {
                storage.linux().renameNoReplace(sv, old);
            } catch (IOException e) {
                storage.volumes().deleteTree(fresh);
                throw new StorageException("rollback of " + storage.id(vol) + " to '" + snapshot.value()
                        + "': cannot move '" + sv + "' aside: " + e.getMessage(), e);
            }
            storage.linux().renameNoReplace(fresh, sv);
            storage.volumes().deleteTree(old);
        }
    }

    private Path requireSnapshot(DirVolumeName vol, SnapshotName snapshot) throws StorageException {
        Path snap = storage.volumes().snapshot(vol, snapshot);
        if (!BtrfsVolumes.isSubvolume(snap)) {
            throw new StorageException("snapshot '" + snapshot.value() + "' of " + storage.id(vol)
                    + " does not exist (no subvolume '" + snap + "')");
        }
        return snap;
    }
}
