package dev.volport.storage.dir;

import dev.volport.VolportException;
import dev.volport.config.Preallocation;
import dev.volport.os.LinuxCalls;
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
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        if (fileName.isPresent()) {
            checkOwner(vmid, fileName.get(), format);
        }
        storage.requireContent(ContentType.IMAGES, format, "alloc of a " + format.id() + " volume for VM " + vmid);
        DirLayout layout = storage.layout();
        layout.activate();
        Path dir = layout.subdir(ContentType.IMAGES).resolve(Integer.toString(vmid));
        try (Rollback rollback = new Rollback(storage.env());
             StorageLock lock = StorageLock.acquire(storage.env().linux(), layout.lockFile())) {
            layout.cleanLeftovers(storage.env().linux(), storage.env().warnings());
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
            if (DirLayout.takenNames(dir).contains(name)) {
                throw new StorageException("disk image '" + dir.resolve(name) + "' already exists"
                        + (Files.exists(dir.resolve(name), LinkOption.NOFOLLOW_LINKS) ? ""
                        : " (an import of it is in progress)"));
            }
            Path path = dir.resolve(name);
            String what = "alloc of " + storage.id(volname);
            try {
                if (format == DiskFormat.SUBVOL) {
                    Files.createDirectory(path);
                    rollback.add(() -> DirLayout.deleteTree(path));
                } else {
                    Files.createFile(path);
                    rollback.add(() -> Files.deleteIfExists(path));
                    if (format == DiskFormat.RAW) {
                        sizeRaw(path, sizeKiB * 1024, what);
                    } else {
                        createImage(path, format, sizeKiB * 1024, storage.id(volname).toString(), what);
                    }
                }
            } catch (FileAlreadyExistsException e) {
                throw new StorageException("disk image '" + path + "' already exists");
            }
            rollback.commit(() -> storage.env().linux().fsyncDirectory(dir));
            return storage.id(volname);
        }
    }

    /**
     * Refuses a name that does not belong to guest {@code vmid}: it must start with {@code vm-VMID-}
     * ({@code subvol-VMID-} for a subvolume). The reference's block storages (LVM, ZFS, RBD) refuse such names
     * with these words; its {@code dir} plugin would create {@code images/100/bogus.raw} or
     * {@code images/100/vm-101-disk-5.raw}, which the guest's tools then attribute to no guest or the wrong one.
     */
    private static void checkOwner(int vmid, String name, DiskFormat format) throws StorageException {
        String prefix = (format == DiskFormat.SUBVOL ? "subvol-" : "vm-") + vmid + "-";
        if (!name.startsWith(prefix)) {
            throw new StorageException("illegal name '" + name + "' - should be '" + prefix + "*'");
        }
    }

    private void createImage(Path path, DiskFormat format, long bytes, String volid, String what)
            throws IOException {
        Preallocation pre = storage.section().preallocation().orElse(Preallocation.METADATA);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            storage.codec(format, path).orElseThrow().create(ch, volid, bytes, pre);
            ch.force(true);
        } catch (VolportException e) {
            // the codec's message names the volume already ("cannot allocate VOLID: …")
            throw new StorageException(e.getMessage(), e);
        } catch (IOException e) {
            throw failed(what, "writing", path, e);
        }
    }

    private void sizeRaw(Path path, long bytes, String what) throws IOException {
        Preallocation pre = storage.section().preallocation().orElse(Preallocation.OFF);
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            try {
                raf.setLength(bytes);
            } catch (IOException e) {
                throw failed(what, "sizing", path, e);
            }
            switch (pre) {
                case OFF, METADATA -> { }
                case FALLOC -> {
                    try {
                        storage.env().linux().fallocate(path, 0, bytes);
                    } catch (IOException e) {
                        throw failed(what, "reserving " + bytes + " bytes for", path, e);
                    }
                }
                case FULL -> {
                    try {
                        writeZeros(raf.getChannel(), bytes);
                    } catch (IOException e) {
                        throw failed(what, "writing", path, e);
                    }
                }
            }
            try {
                raf.getChannel().force(true);
            } catch (IOException e) {
                throw failed(what, "flushing", path, e);
            }
        }
    }

    /** {@code alloc of VOLID: VERB 'PATH': reason}, the reason as the C library words it, lower case. */
    private static StorageException failed(String what, String verb, Path path, IOException e) {
        String reason = e instanceof LinuxCalls.SyscallException s ? LinuxCalls.strerror(s.errno())
                : e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (reason.length() > 1 && Character.isUpperCase(reason.charAt(0)) && Character.isLowerCase(reason.charAt(1))) {
            reason = Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
        }
        return new StorageException(what + ": " + verb + " '" + path + "': " + reason, e);
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
