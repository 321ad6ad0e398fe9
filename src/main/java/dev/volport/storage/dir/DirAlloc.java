package dev.volport.storage.dir;

import dev.volport.config.Preallocation;
import dev.volport.storage.Rollback;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Volume allocation on a {@code dir} storage (reference §4.6): raw files sparse or preallocated, subvolumes as
 * directories; names chosen under the storage lock.
 */
final class DirAlloc {
    private final DirStorage storage;

    DirAlloc(DirStorage storage) {
        this.storage = storage;
    }

    VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException {
        if (vmid <= 0) {
            throw new StorageException("invalid VMID " + vmid);
        }
        if (sizeKiB < 0 || sizeKiB > Long.MAX_VALUE / 1024) {
            throw new StorageException("invalid size " + sizeKiB + " KiB");
        }
        switch (format) {
            case RAW, SUBVOL -> { }
            case QCOW2, VMDK -> { }
            case OVA, OVF -> throw new StorageException("cannot allocate volumes of format " + format.id());
        }
        if (format == DiskFormat.SUBVOL && sizeKiB != 0) {
            throw new StorageException("storage does not support subvol quotas (size must be 0)");
        }
        DirLayout layout = storage.layout();
        layout.activate();
        Path dir = layout.subdir(ContentType.IMAGES).resolve(Integer.toString(vmid));
        try (Rollback rollback = new Rollback(storage.env().guard());
             StorageLock lock = StorageLock.acquire(layout.lockFile())) {
            layout.cleanLeftovers(storage.env().warnings());
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                rollback.add(() -> DirStorage.removeIfEmpty(dir));
            }
            String name = fileName.isPresent() ? fileName.get() : DiskNames.nextFree(storage.section().id(), vmid,
                    format, DirLayout.takenNames(dir));
            String volname = vmid + "/" + name;
            DirVolumeName parsed = DirVolumeName.parse(volname);
            if (parsed.format() != format) {
                throw new StorageException("illegal name '" + name + "' - wrong extension for format");
            }
            Path path = dir.resolve(name);
            try {
                if (format == DiskFormat.SUBVOL) {
                    Files.createDirectory(path);
                    rollback.add(() -> DirLayout.deleteTree(path));
                } else {
                    Files.createFile(path);
                    rollback.add(() -> Files.deleteIfExists(path));
                    if (format == DiskFormat.RAW) {
                        sizeRaw(path, sizeKiB * 1024);
                    } else {
                        createImage(path, storage.id(volname).toString(), format, sizeKiB * 1024);
                    }
                }
            } catch (FileAlreadyExistsException e) {
                throw new StorageException("disk image '" + path + "' already exists");
            }
            rollback.commit(() -> storage.env().linux().fsyncDirectory(dir));
            return storage.id(volname);
        }
    }

    private void createImage(Path path, String name, DiskFormat format, long bytes) throws IOException {
        Preallocation pre = storage.section().preallocation().orElse(Preallocation.METADATA);
        try (FileChannel ch = FileChannel.open(path, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            storage.codec(format, path).orElseThrow().create(ch, name, bytes, pre);
            ch.force(true);
        }
    }

    private void sizeRaw(Path path, long bytes) throws IOException {
        Preallocation pre = storage.section().preallocation().orElse(Preallocation.OFF);
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.setLength(bytes);
            switch (pre) {
                case OFF, METADATA -> { }
                case FALLOC -> storage.env().linux().fallocate(path, 0, bytes);
                case FULL -> writeZeros(raf.getChannel(), bytes);
            }
            raf.getChannel().force(true);
        } catch (IOException e) {
            throw new StorageException("cannot allocate " + bytes + " bytes for '" + path + "': " + e.getMessage(),
                    e);
        }
    }

    private static void writeZeros(FileChannel ch, long bytes) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        long pos = 0;
        while (pos < bytes) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
            while (zeros.hasRemaining()) {
                pos += ch.write(zeros, pos);
            }
        }
    }
}
