package dev.volport.storage.dir;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.format.raw.SparseRawImporter;
import dev.volport.format.tar.TarImporter;
import dev.volport.format.tar.TarLimits;
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
import java.util.Optional;
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
    private final Optional<ImageCodec> codec;

    DirImport(DirStorage storage, DirVolumeName vol, StreamFormat format, TransferOptions opts) {
        this.storage = storage;
        this.vol = vol;
        this.format = format;
        this.opts = opts;
        this.linux = storage.env().linux();
        this.codec = storage.codec(vol.format(), storage.layout().root().resolve(vol.relativePath()));
    }

    /** How the stream's bytes become the volume's file. */
    private enum Plan {
        /** raw stream into a raw file, zero blocks left as holes */
        RAW,
        /** raw stream converted into a qcow2/VMDK image while it arrives */
        CONVERT,
        /** the image file itself, copied to the end of the stream and validated before the commit */
        VERBATIM,
        /** a tar stream extracted into a staging directory that becomes the subvolume */
        TAR
    }

    VolumeId run(ReadableByteChannel in, Progress progress) throws IOException {
        Plan plan = validate();
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
                if (plan == Plan.TAR) {
                    Files.createDirectory(staging);
                    rollback.add(() -> DirLayout.deleteTree(staging));
                } else {
                    Files.createFile(staging);
                    rollback.add(() -> Files.deleteIfExists(staging));
                }
            }
            write(plan, staging, size, in, progress);
            Path finalPath = dir.resolve(name);
            String finalName = name;
            rollback.commit(() -> commit(staging, finalPath, finalName));
            linux.fsyncDirectory(dir);
            String volname = images ? vol.vmid().getAsInt() + "/" + finalName : vol.volname();
            return storage.id(volname);
        }
    }

    private Plan validate() throws StorageException {
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
        if (!images && !EnumSet.of(ContentType.ISO, ContentType.VZTMPL, ContentType.SNIPPETS, ContentType.IMPORT)
                .contains(vol.type())) {
            throw new StorageException("importing volume of type '" + vol.type().id() + "' not implemented");
        }
        if (!images) {
            if (format != StreamFormat.RAW_SIZE) {
                throw new StorageException("cannot import format " + format + " into a " + vol.type().id()
                        + " volume");
            }
            return Plan.RAW;
        }
        boolean converting = data == DiskFormat.RAW && codec.isPresent();
        if (data != vol.format() && !converting) {
            throw new StorageException("cannot import format " + format + " into a file of format "
                    + vol.format().id());
        }
        if (data == DiskFormat.SUBVOL) {
            return Plan.TAR;
        }
        if (containerFormat && codec.isEmpty()) {
            throw new StorageException("import of " + format + " needs native " + data.id()
                    + " support, not implemented yet");
        }
        return converting ? Plan.CONVERT : containerFormat ? Plan.VERBATIM : Plan.RAW;
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
        return DiskNames.nextFree(storage.section().id(), vol.vmid().getAsInt(), vol.format(),
                DirLayout.takenNames(dir));
    }

    /** The most a verbatim image stream may hold: internal snapshots let a file outgrow its virtual size. */
    static long verbatimLimit(long virtualSize) {
        return virtualSize > (Long.MAX_VALUE - (1L << 30)) / 16 ? Long.MAX_VALUE : virtualSize * 16 + (1L << 30);
    }

    private void write(Plan plan, Path staging, long size, ReadableByteChannel in, Progress progress)
            throws IOException {
        String what = storage.id(vol.volname()).toString();
        if (plan == Plan.TAR) {
            extract(staging, size, in, progress, what);
            return;
        }
        progress.start("import " + what, plan == Plan.VERBATIM ? -1 : size);
        try (RandomAccessFile raf = new RandomAccessFile(staging.toFile(), "rw");
             FileChannel ch = raf.getChannel();
             LinuxCalls.Writeback writeback = linux.writeback(staging)) {
            switch (plan) {
                case RAW -> {
                    raf.setLength(size);
                    new SparseRawImporter(writeback::start).copy(in, size, ch, progress);
                }
                case CONVERT -> codec.orElseThrow().convert(in, size, ch, progress, writeback::start);
                case VERBATIM -> {
                    long length = new SparseRawImporter(writeback::start).copyToEnd(in, verbatimLimit(size), ch,
                            progress);
                    raf.setLength(length);
                    codec.orElseThrow().validate(ch, what, size);
                }
            }
            ch.force(true);
        } catch (VolportException e) {
            throw new StorageException("import into " + what + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("import into " + what + " failed: writing '" + staging + "': "
                    + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    /** Extracts the tar stream into the staging directory, then flushes the filesystem holding it. */
    private void extract(Path staging, long size, ReadableByteChannel in, Progress progress, String what)
            throws IOException {
        progress.start("import " + what, -1);
        TarLimits limits = size > 0 ? TarLimits.DEFAULTS.withMaxTotalBytes(size) : TarLimits.DEFAULTS;
        try {
            new TarImporter().extract(in, staging, limits, progress);
            linux.syncfs(staging);
        } catch (VolportException e) {
            throw new StorageException("import into " + what + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("import into " + what + " failed: extracting into '" + staging + "': "
                    + e.getMessage(), e);
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
