package dev.volport.storage.btrfs;

import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code alloc} on a btrfs storage (reference §4.6, {@code BTRFSPlugin.pm alloc_image}): under the storage lock a
 * new subvolume; for a raw disk the file {@code disk.raw} in it, created exclusively, made NOCOW when the storage
 * says {@code nocow} (before a byte is written, which is when {@code chattr +C} takes effect), then sized sparsely.
 * A subvolume takes no size (no quotas). On any failure the new subvolume is deleted.
 */
final class BtrfsAlloc {
    private final BtrfsStorage storage;

    BtrfsAlloc(BtrfsStorage storage) {
        this.storage = storage;
    }

    VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException {
        String where = "storage '" + storage.section().id() + "'";
        if (format != DiskFormat.RAW && format != DiskFormat.SUBVOL) {
            throw new StorageException("alloc on " + where + ": unsupported format '" + format.id()
                    + "' (a btrfs storage holds raw disks and subvolumes)");
        }
        if (format == DiskFormat.SUBVOL && sizeKiB != 0) {
            throw new StorageException("alloc on " + where + ": storage does not support subvol quotas (size must be"
                    + " 0 for a subvolume)");
        }
        BtrfsVolumes volumes = storage.volumes();
        volumes.requireOnline();
        Path dir = volumes.guestDir(vmid);
        try (StorageLock lock = StorageLock.acquire(storage.linux(), volumes.lockFile())) {
            Files.createDirectories(dir);
            String name = fileName.isPresent() ? fileName.get()
                    : DiskNames.nextFree(storage.section().id(), vmid, format, BtrfsVolumes.takenNames(dir));
            DirVolumeName vol = checkName(vmid, name, format);
            storage.requireContent(vol, "alloc of " + storage.id(vol));
            Path sv = volumes.subvolume(vol);
            if (BtrfsVolumes.takenNames(dir).contains(BtrfsVolumes.subvolumeName(vol)) || Files.exists(sv)) {
                throw new StorageException("disk image '" + volumes.file(vol) + "' already exists");
            }
            storage.runner().run(BtrfsCommands.subvolumeCreate(sv));
            try {
                if (format == DiskFormat.RAW) {
                    Path file = sv.resolve(BtrfsVolumes.RAW_FILE);
                    Files.createFile(file);
                    if (storage.noCow()) {
                        storage.runner().run(BtrfsCommands.noCow(file));
                    }
                    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                        f.setLength(Math.multiplyExact(sizeKiB, 1024L));
                    }
                }
            } catch (IOException | RuntimeException e) {
                volumes.deleteTree(sv);
                throw e;
            }
            return storage.id(vol);
        }
    }

    /** The name must be the guest's own ({@code vm-VMID-…}, {@code subvol-VMID-…}) with the format's extension. */
    private DirVolumeName checkName(int vmid, String name, DiskFormat format) throws StorageException {
        String prefix = (format == DiskFormat.SUBVOL ? "subvol-" : "vm-") + vmid + "-";
        if (!name.startsWith(prefix) && !name.startsWith("vm-" + vmid + "-")) {
            throw new StorageException("illegal name '" + name + "' - should be '" + prefix + "*'");
        }
        DirVolumeName vol;
        try {
            vol = DirVolumeName.parse(vmid + "/" + name);
        } catch (VolumeNameException e) {
            throw new StorageException("alloc: " + e.getMessage(), e);
        }
        if (vol.format() != format) {
            throw new StorageException("illegal name '" + name + "' - wrong extension for format ('" + format.id()
                    + "')");
        }
        return vol;
    }
}
