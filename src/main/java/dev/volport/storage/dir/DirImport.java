package dev.volport.storage.dir;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.format.raw.SparseRawImporter;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.Rollback;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;

/**
 * One import into a {@code dir} storage, as a transaction (DESIGN §5): validate before reading a byte, read the
 * size header, stage under a name listings ignore, copy and verify the exact length, flush, rename without
 * replacing, flush the directory. On any failure or signal the staging file is removed.
 */
final class DirImport {
    private static final Set<StreamFormat> IMPORTABLE = EnumSet.of(StreamFormat.RAW_SIZE, StreamFormat.TAR_SIZE,
            StreamFormat.QCOW2_SIZE, StreamFormat.VMDK_SIZE);

    private final DirStorage storage;
    private final DirVolumeName vol;
    private final StreamFormat format;
    private final TransferOptions opts;
    private final LinuxCalls linux;

    DirImport(DirStorage storage, DirVolumeName vol, StreamFormat format, TransferOptions opts) {
        this.storage = storage;
        this.vol = vol;
        this.format = format;
        this.opts = opts;
        this.linux = storage.env().linux();
    }

    VolumeId run(ReadableByteChannel in, Progress progress) throws IOException {
        validate();
        DirLayout layout = storage.layout();
        Path target = layout.root().resolve(vol.relativePath());
        boolean images = vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR;
        boolean rename = false;
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (!(opts.allowRename() && images)) {
                throw new StorageException("file '" + target + "' already exists");
            }
            storage.env().warnings().println("volport: file '" + target
                    + "' already exists - importing with a different name");
            rename = true;
        }
        long size = readHeader(in);
        layout.activate();
        try (Rollback rollback = new Rollback(storage.env().guard())) {
            Path dir = target.getParent();
            Path staging;
            String name;
            try (StorageLock lock = StorageLock.acquire(layout.lockFile())) {
                layout.cleanLeftovers(storage.env().warnings());
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    rollback.add(() -> DirStorage.removeIfEmpty(dir));
                }
                name = rename ? nextFreeName(dir) : vol.fileName();
                staging = DirLayout.stagingFor(dir.resolve(name), ProcessHandle.current().pid());
                Files.createFile(staging);
                rollback.add(() -> Files.deleteIfExists(staging));
            }
            write(staging, size, in, progress);
            Path finalPath = dir.resolve(name);
            String finalName = name;
            rollback.commit(() -> commit(staging, finalPath, finalName));
            linux.fsyncDirectory(dir);
            String volname = images ? vol.vmid().getAsInt() + "/" + finalName : vol.volname();
            return storage.id(volname);
        }
    }

    private void validate() throws StorageException {
        if (!IMPORTABLE.contains(format)) {
            throw new StorageException("volume import format '" + format + "' not available for storage type 'dir'");
        }
        DiskFormat data = switch (format) {
            case RAW_SIZE -> DiskFormat.RAW;
            case TAR_SIZE -> DiskFormat.SUBVOL;
            case QCOW2_SIZE -> DiskFormat.QCOW2;
            case VMDK_SIZE -> DiskFormat.VMDK;
            case ZFS, BTRFS -> throw new AssertionError(format);
        };
        boolean containerFormat = data == DiskFormat.QCOW2 || data == DiskFormat.VMDK;
        if (!opts.withSnapshots() && containerFormat) {
            throw new StorageException("format " + format + " cannot be imported without snapshots");
        }
        if (opts.withSnapshots() && !containerFormat) {
            throw new StorageException("format " + format + " cannot be imported with snapshots");
        }
        if (opts.base().isPresent()) {
            throw new StorageException("storage type 'dir' cannot import incremental streams (base '"
                    + opts.base().get().value() + "')");
        }
        boolean images = vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR;
        if (images && data != vol.format()) {
            throw new StorageException("cannot import format " + format + " into a file of format "
                    + vol.format().id());
        }
        if (!images && !EnumSet.of(ContentType.ISO, ContentType.VZTMPL, ContentType.SNIPPETS, ContentType.IMPORT)
                .contains(vol.type())) {
            throw new StorageException("importing volume of type '" + vol.type().id() + "' not implemented");
        }
        if (format != StreamFormat.RAW_SIZE) {
            throw new StorageException("import of " + format + " into storage type 'dir' is not implemented yet");
        }
    }

    private static long readHeader(ReadableByteChannel in) throws IOException {
        try {
            return SizeHeader.read(in);
        } catch (EOFException e) {
            throw new StorageException("import: " + e.getMessage());
        } catch (IOException e) {
            throw new StorageException("import: bad size header: " + e.getMessage(), e);
        }
    }

    private String nextFreeName(Path dir) throws IOException {
        java.util.List<String> taken = new java.util.ArrayList<>();
        try (var ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                taken.add(DirLayout.stagedName(f).orElse(f));
            }
        }
        return DiskNames.nextFree(storage.section().id(), vol.vmid().getAsInt(), vol.format(), taken);
    }

    private void write(Path staging, long size, ReadableByteChannel in, Progress progress) throws IOException {
        progress.start("import " + storage.id(vol.volname()), size);
        try (RandomAccessFile raf = new RandomAccessFile(staging.toFile(), "rw");
             FileChannel ch = raf.getChannel()) {
            raf.setLength(size);
            new SparseRawImporter().copy(in, size, ch, progress);
            ch.force(true);
        } catch (VolportException e) {
            throw new StorageException("import into " + storage.id(vol.volname()) + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("import into " + storage.id(vol.volname()) + " failed: writing '" + staging
                    + "': " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    private void commit(Path staging, Path finalPath, String name) throws IOException {
        try {
            linux.renameNoReplace(staging, finalPath);
        } catch (LinuxCalls.SyscallException e) {
            if (e.errno() == LinuxCalls.EEXIST) {
                throw new StorageException("file '" + finalPath + "' already exists (created by another import"
                        + " while this one ran)");
            }
            throw e;
        }
    }
}
