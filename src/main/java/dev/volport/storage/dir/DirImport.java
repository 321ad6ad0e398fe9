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
        layout.requireOnline();
        Path target = layout.root().resolve(vol.relativePath());
        // refused before a byte is read, as the reference does; decided for good under the lock below
        if (!renameAllowed() && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("file '" + target + "' already exists");
        }
        long size = readHeader(in);
        layout.activate();
        Path dir = target.getParent();
        try (Rollback rollback = new Rollback(storage.env().guard())) {
            Staging staging;
            String name;
            try (StorageLock lock = StorageLock.acquire(linux, layout.lockFile())) {
                layout.cleanLeftovers(linux, storage.env().warnings());
                if (!Files.isDirectory(dir)) {
                    Files.createDirectories(dir);
                    rollback.add(() -> DirStorage.removeIfEmpty(dir));
                }
                name = chooseName(dir, target);
                staging = plan == Plan.TAR ? Staging.createDirectory(linux, dir, name)
                        : Staging.createFile(linux, dir, name);
                rollback.add(staging::close);
            }
            try (staging) {
                write(plan, staging.path(), size, in, progress);
                Path finalPath = dir.resolve(name);
                rollback.commit(() -> commit(staging, finalPath));
                linux.fsyncDirectory(dir);
            }
            String volname = vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR
                    ? vol.vmid().getAsInt() + "/" + name : vol.volname();
            return storage.id(volname);
        }
    }

    /** {@code --allow-rename} applies to guest volumes only, as in the reference. */
    private boolean renameAllowed() {
        return opts.allowRename() && (vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR);
    }

    /**
     * The file name this import will commit to, decided under the storage lock: the requested one when no file and
     * no other import in progress has it, else (with {@code --allow-rename}) the next free
     * {@code vm-VMID-disk-N}, counting files and other imports' staging names alike.
     *
     * @throws StorageException {@code file 'PATH' already exists} without {@code --allow-rename}
     */
    private String chooseName(Path dir, Path target) throws IOException {
        java.util.List<String> taken = DirLayout.takenNames(dir);
        if (!taken.contains(vol.fileName())) {
            return vol.fileName();
        }
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        String why = exists ? "file '" + target + "' already exists"
                : "file '" + target + "' is being imported by another process";
        if (!renameAllowed()) {
            throw new StorageException(exists ? why : why + " (its name is taken)");
        }
        storage.env().warnings().println("volport: " + why + " - importing with a different name");
        return DiskNames.nextFree(storage.section().id(), vol.vmid().getAsInt(), vol.format(), taken);
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
        String what = "import of " + storage.id(vol.volname());
        if (vol.base().isPresent()) {
            // the reference imports it as VMID/NAME and drops the base from the name it reports; refuse instead
            throw new StorageException(what + " refused: the name is a linked clone of '" + vol.base().get().vmid()
                    + "/" + vol.base().get().fileName() + "', and an import makes a volume of its own; import it as '"
                    + storage.id(vol.vmid().getAsInt() + "/" + vol.fileName()) + "'");
        }
        storage.requireContent(vol.type(), vol.format(), what);
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

    private void commit(Staging staging, Path finalPath) throws IOException {
        try {
            staging.commit(linux, finalPath);
        } catch (LinuxCalls.SyscallException e) {
            if (e.errno() == LinuxCalls.EEXIST) {
                throw new StorageException("file '" + finalPath + "' already exists (created by another import"
                        + " while this one ran)");
            }
            throw e;
        }
    }
}
