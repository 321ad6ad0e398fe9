package dev.volport.storage.btrfs;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.Staging;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A copy between two btrfs storages on one filesystem (or within one storage) as a writable snapshot of the source
 * subvolume (or of the requested snapshot of it): no byte is read or written, every block is shared until one side
 * changes it. The snapshot is taken as a staging subvolume with its lock file, under the target storage's lock,
 * then renamed into place without replacing anything, exactly as an import commits.
 */
final class BtrfsLocalCopy {
    private final BtrfsStorage target;

    BtrfsLocalCopy(BtrfsStorage target) {
        this.target = target;
    }

    Optional<VolumeId> copy(Storage source, VolumeName from, VolumeName to, TransferOptions o) throws IOException {
        if (!(source instanceof BtrfsStorage src) || o.withSnapshots() || !o.snapshotList().isEmpty()
                || o.base().isPresent()) {
            return Optional.empty();
        }
        DirVolumeName s = src.own(from);
        DirVolumeName t = target.own(to);
        if (s.format() != t.format()) {
            return Optional.empty();
        }
        src.volumes().requireOnline();
        BtrfsVolumes volumes = target.volumes();
        volumes.requireOnline();
        if (!Files.getFileStore(src.volumes().root()).name().equals(Files.getFileStore(volumes.root()).name())) {
            return Optional.empty();
        }
        Path origin = o.snapshot().map(sn -> src.volumes().snapshot(s, sn)).orElse(src.volumes().subvolume(s));
        if (!BtrfsVolumes.isSubvolume(origin)) {
            throw new StorageException((o.snapshot().isPresent() ? "snapshot '" + o.snapshot().get().value()
                    + "' of " : "volume ") + src.id(s) + " does not exist (no subvolume '" + origin + "')");
        }
        target.requireContent(t, "copy into " + target.id(t));
        if (!o.allowRename() && Files.exists(volumes.subvolume(t))) {
            throw new StorageException("volume " + target.id(t) + " already exists ('" + volumes.subvolume(t) + "')");
        }
        Linux linux = target.linux();
        Path dir = volumes.guestDir(t.vmid().getAsInt());
        Staging.Trees snapshotOfOrigin = new Staging.Trees() {
            @Override
            public void create(Path staging) throws IOException {
                target.runner().run(BtrfsCommands.snapshot(origin, staging, false));
            }

            @Override
            public void delete(Path tree) throws IOException {
                volumes.deleteTree(tree);
            }
        };
        try (StorageLock lock = StorageLock.acquire(linux, volumes.lockFile())) {
            volumes.cleanLeftovers(linux, target.env().warnings());
            Files.createDirectories(dir);
            DirVolumeName name = BtrfsImport.chooseName(target, t, o.allowRename(), dir);
            Path finalPath = volumes.subvolume(name);
            try (Staging staging = Staging.createDirectory(linux, dir, BtrfsVolumes.subvolumeName(name),
                    snapshotOfOrigin)) {
                staging.commit(linux, finalPath);
                linux.fsyncDirectory(dir);
            }
            return Optional.of(target.id(name));
        }
    }
}
