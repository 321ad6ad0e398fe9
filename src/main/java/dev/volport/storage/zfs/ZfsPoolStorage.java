package dev.volport.storage.zfs;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.format.tar.TarExporter;
import dev.volport.format.tar.TarOptions;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.RunningCommand;
import dev.volport.os.StandardStreams;
import dev.volport.storage.Capabilities;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Snapshots;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageStatus;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A {@code zfspool} storage (reference {@code ZFSPoolPlugin.pm}): VM disks are zvols {@code POOL/vm-VMID-disk-N},
 * container volumes datasets {@code POOL/subvol-VMID-disk-N} with {@code refquota} = size; every {@code zfs} call
 * goes through the {@code os.CommandRunner} it was given, with argv from {@link ZfsCommands}.
 *
 * <p>Formats: {@code zfs} first, as the reference (only with a snapshot on export; full or incremental on import);
 * beyond the reference, {@code tar+size} for datasets and {@code raw+size} for zvols after it, so that zfs ↔ dir
 * transfers negotiate a common format instead of failing with "cannot migrate". Imports are in {@link ZfsImport}.
 */
final class ZfsPoolStorage implements Storage {
    /** Names of the clones a {@code tar+size} export of a snapshot reads from start with this. */
    static final String EXPORT_PREFIX = "volport-export-";

    private static final List<StreamFormat> DATASET_FORMATS = List.of(StreamFormat.ZFS, StreamFormat.TAR_SIZE);
    private static final List<StreamFormat> ZVOL_FORMATS = List.of(StreamFormat.ZFS, StreamFormat.RAW_SIZE);

    private final StorageSection section;
    private final StorageEnvironment env;
    private final ZfsTool zfs;
    private final ZfsLocks locks;
    private final boolean sparse;
    private final Optional<String> blocksize;
    private final Path mountpoint;
    private final Path zvolRoot;

    ZfsPoolStorage(StorageSection section, StorageEnvironment env, ZfsTool zfs, ZfsLocks locks, Path zvolRoot) {
        this.section = section;
        this.env = env;
        this.zfs = zfs;
        this.locks = locks;
        Map<String, String> p = section.properties();
        this.sparse = "1".equals(p.get("sparse"));
        this.blocksize = Optional.ofNullable(p.get("blocksize"));
        this.mountpoint = Path.of(p.getOrDefault("mountpoint", "/" + zfs.commands().pool()));
        this.zvolRoot = zvolRoot;
    }

    /** The device of zvol {@code dataset} (a name below the pool). */
    Path device(String dataset) {
        return zvolRoot.resolve(zfs.commands().pool()).resolve(dataset);
    }

    boolean sparse() {
        return sparse;
    }

    Optional<String> blocksize() {
        return blocksize;
    }

    @Override
    public StorageSection section() {
        return section;
    }

    @Override
    public Capabilities capabilities() {
        List<StreamFormat> all = List.of(StreamFormat.ZFS, StreamFormat.RAW_SIZE, StreamFormat.TAR_SIZE);
        var formats = Map.of(ContentType.IMAGES, all, ContentType.ROOTDIR, DATASET_FORMATS);
        return new Capabilities(formats, formats, true, true, true, section.shared(), false);
    }

    @Override
    public ZfsVolumeName parseName(String volname) throws VolumeNameException {
        return ZfsVolumeName.parse(volname);
    }

    ZfsVolumeName own(VolumeName name) throws StorageException {
        if (name instanceof ZfsVolumeName z) {
            return z;
        }
        throw new StorageException("volume name '" + name.volname() + "' is not a zfspool volume name (storage '"
                + section.id() + "')");
    }

    ZfsTool zfs() {
        return zfs;
    }

    ZfsLocks locks() {
        return locks;
    }

    StorageEnvironment env() {
        return env;
    }

    /**
     * {@code zfs} first (the reference's only format; its export needs a snapshot), then the stream of one state
     * where no snapshots or base are asked for: {@code tar+size} for a dataset, {@code raw+size} for a zvol.
     */
    @Override
    public List<StreamFormat> exportFormats(VolumeName name, TransferOptions options) throws VolportException {
        return formats(own(name), options);
    }

    @Override
    public List<StreamFormat> importFormats(VolumeName name, TransferOptions options) throws VolportException {
        return formats(own(name), options);
    }

    private static List<StreamFormat> formats(ZfsVolumeName name, TransferOptions options) {
        if (options.withSnapshots() || options.base().isPresent()) {
            return List.of(StreamFormat.ZFS);
        }
        return name.isDataset() ? DATASET_FORMATS : ZVOL_FORMATS;
    }

    @Override
    public void exportVolume(VolumeName volname, StreamFormat format, TransferOptions options,
            WritableByteChannel out, Progress progress) throws IOException {
        ZfsVolumeName name = own(volname);
        VolumeId id = id(name);
        switch (format) {
            case ZFS -> exportSend(name, options, out, progress);
            case TAR_SIZE -> {
                if (!name.isDataset() || options.withSnapshots() || options.base().isPresent()) {
                    throw new StorageException("volume export format tar+size not available for " + id
                            + (name.isDataset() ? " with snapshots or a base" : ": it is a zvol"));
                }
                exportTar(name, options, out, progress);
            }
            case RAW_SIZE -> {
                if (name.isDataset() || options.withSnapshots() || options.base().isPresent()) {
                    throw new StorageException("volume export format raw+size not available for " + id
                            + (name.isDataset() ? ": it is a dataset" : " with snapshots or a base"));
                }
                exportFromSnapshot(name, options, dataset -> ZfsZvols.export(
                        ZfsZvols.waitForDevice(device(dataset), id), ZfsListing.number(zfs.get(dataset, "volsize")),
                        out, progress, id));
            }
            default -> throw new StorageException("volume export format " + format + " not available for " + id);
        }
    }

    /**
     * The reference's {@code zfs send}; stdout carries only the stream, stderr is kept for the error. An export to
     * volport's own stdout gives zfs that file descriptor, so the stream does not pass through volport (which then
     * counts no bytes for the progress display), with zfs tied to volport's life ({@link ZfsCommands#tiedToCaller});
     * any other output is copied in 1 MiB reads.
     */
    private void exportSend(ZfsVolumeName name, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException {
        VolumeId id = id(name);
        if (options.snapshot().isEmpty()) {
            throw new StorageException("zfspool storage can only export snapshots (export of " + id
                    + " as zfs needs --snapshot)");
        }
        List<String> argv = zfs.commands().send(name.name(), options.snapshot().get().value(),
                options.base().map(b -> b.value()), options.withSnapshots(), zfs.sendFeatures());
        boolean direct = StandardStreams.isStdout(out) && zfs.canHandOverStdio();
        progress.start("export " + id, -1);
        try (RunningCommand send = zfs.runner().start(Command.of(direct ? ZfsCommands.tiedToCaller(argv) : argv)
                .withStdout(direct ? Command.Stdout.inherit() : Command.Stdout.pipe()))) {
            if (!direct) {
                try {
                    copy(send.stdout(), out, progress);
                } catch (IOException e) {
                    send.cancel();
                    throw new StorageException("export of " + id + " failed: " + e.getMessage(), e);
                }
            }
            send.await();
        } catch (CommandException e) {
            throw new StorageException("export of " + id + " failed: " + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    /**
     * A dataset as {@code tar+size}: header 0, then its tree with the reference's flags; the tree of
     * {@code --snapshot S} is the snapshot's ({@code MOUNTPOINT/.zfs/snapshot/S}), else the live dataset's.
     */
    private void exportTar(ZfsVolumeName name, TransferOptions options, WritableByteChannel out, Progress progress)
            throws IOException {
        exportFromSnapshot(name, options, dataset -> exportTree(id(name), dataset, out, progress));
    }

    /** Reads one state of a volume: the live one (a dataset name below the pool) or a snapshot's. */
    private interface StateReader {
        void read(String dataset) throws IOException;
    }

    /**
     * Hands {@code reader} the volume itself, or with {@code --snapshot S} a temporary clone of {@code NAME@S}
     * (zfs-fuse has no {@code .zfs/snapshot} directory, and a zvol snapshot's device exists only with
     * {@code snapdev=visible}). The clone is locked like a staging dataset, so a killed export's clone is removed
     * by the next import or alloc.
     */
    private void exportFromSnapshot(ZfsVolumeName name, TransferOptions options, StateReader reader)
            throws IOException {
        VolumeId id = id(name);
        if (!zfs.exists(name.name(), Optional.empty())) {
            throw new StorageException("volume " + id + " does not exist (no dataset '"
                    + zfs.commands().dataset(name.name()) + "')");
        }
        if (options.snapshot().isEmpty()) {
            reader.read(name.name());
            return;
        }
        String clone = EXPORT_PREFIX + ZfsImport.random() + "-" + name.name();
        String snapshot = zfs.commands().dataset(name.name()) + "@" + options.snapshot().get().value();
        ZfsLocks.Held held;
        try (ZfsLocks.Held lock = locks.storage()) {
            held = locks.staging(clone);
            try {
                zfs.run(zfs.commands().cloneSnapshot(snapshot, clone), "export of " + id + " failed");
            } catch (StorageException e) {
                held.close();
                throw e;
            }
        }
        try {
            reader.read(clone);
        } finally {
            try {
                zfs.runBusy(zfs.commands().destroy(clone, true), "export of " + id + ": cannot remove its clone");
            } catch (StorageException e) {
                env.warnings().println("volport: " + e.getMessage());
            } finally {
                held.close();
            }
        }
    }

    private void exportTree(VolumeId id, String dataset, WritableByteChannel out, Progress progress)
            throws IOException {
        Path dir = Path.of(zfs.get(dataset, "mountpoint"));
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("export of " + id + ": the dataset's tree '" + dir + "' is not mounted");
        }
        progress.start("export " + id, -1);
        try {
            SizeHeader.write(out, 0);
            new TarExporter().export(dir, out, TarOptions.DEFAULTS, progress);
        } finally {
            progress.finish();
        }
    }

    /**
     * Copies a tool's stdout into the export in reads of up to 1 MiB: a process pipe read through
     * {@code Channels.newChannel} moves 8 KiB per call, which cost a 2 GiB stream several seconds.
     */
    static void copy(java.io.InputStream in, WritableByteChannel out, Progress progress) throws IOException {
        byte[] buf = new byte[1 << 20];
        int n;
        while ((n = in.read(buf)) >= 0) {
            ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
            while (b.hasRemaining()) {
                out.write(b);
            }
            progress.advance(n);
        }
    }

    @Override
    public ImportTarget prepareImport(VolumeName name, StreamFormat format, TransferOptions options)
            throws IOException {
        ZfsVolumeName vol = own(name);
        if (!formats(vol, options).contains(format)) {
            throw new StorageException("volume import format '" + format + "' not available for " + id(vol)
                    + (vol.isDataset() ? " (a dataset)" : " (a zvol)"));
        }
        return new ZfsImport(this, vol, format, options);
    }

    @Override
    public VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException {
        if (format != DiskFormat.RAW && format != DiskFormat.SUBVOL) {
            throw new StorageException("unsupported format '" + format.id() + "' for storage '" + section.id()
                    + "' (zfspool volumes are raw zvols or subvol datasets)");
        }
        try (ZfsLocks.Held lock = locks.storage()) {
            ZfsLeftovers.Taken taken = ZfsLeftovers.remove(this);
            ZfsVolumeName name;
            if (fileName.isPresent()) {
                name = parseName(fileName.get());
                if (name.base().isPresent() || name.guest() != vmid
                        || name.isDataset() != (format == DiskFormat.SUBVOL)) {
                    throw new StorageException("illegal name '" + fileName.get() + "' - should be '"
                            + (format == DiskFormat.SUBVOL ? "subvol" : "vm") + "-" + vmid + "-*'");
                }
            } else {
                name = nextFree(vmid, format, taken);
            }
            if (taken.contains(name.name()) && !taken.names().contains(name.name())) {
                throw new StorageException("cannot allocate " + id(name) + ": an import into it is in progress");
            }
            create(name, sizeKiB);
            return id(name);
        }
    }

    /** Creates {@code name} below the pool: a zvol, or a dataset with {@code refquota} = size. */
    void create(ZfsVolumeName name, long sizeKiB) throws StorageException {
        String doing = "cannot allocate " + id(name);
        if (zfs.exists(name.name(), Optional.empty())) {
            throw new StorageException(doing + ": dataset '" + zfs.commands().dataset(name.name())
                    + "' already exists");
        }
        if (name.isDataset()) {
            zfs.run(zfs.commands().createDataset(name.name(), sizeKiB), doing);
        } else {
            zfs.run(zfs.commands().createZvol(name.name(), sizeKiB, sparse, blocksize), doing);
        }
    }

    /**
     * The next free {@code vm-VMID-disk-N} / {@code subvol-VMID-disk-N}, counting the names imports in progress
     * will take; {@code taken} read under the storage lock.
     */
    ZfsVolumeName nextFree(int vmid, DiskFormat format, ZfsLeftovers.Taken taken) throws IOException {
        String file = DiskNames.nextFree(section.id(), vmid, format, taken.all());
        return parseName(file.substring(0, file.lastIndexOf('.')));
    }

    @Override
    public void free(VolumeName volname) throws IOException {
        ZfsVolumeName name = own(volname);
        try (ZfsLocks.Held lock = locks.storage()) {
            if (!zfs.exists(name.name(), Optional.empty())) {
                throw new StorageException("volume " + id(name) + " does not exist");
            }
            zfs.runBusy(zfs.commands().destroy(name.name(), true), "cannot free " + id(name));
        }
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) throws IOException {
        // Like the other storage types, a listing removes what killed imports left (only when there is something,
        // so that a plain listing takes no lock): staging datasets whose lock is free, and free lock files.
        // One listing when there is nothing to remove (an export's existence check runs this).
        var properties = ZfsListing.properties(zfs);
        if (!locks.lockFiles().isEmpty() || properties.keySet().stream().anyMatch(ZfsImport::isStaging)) {
            try (ZfsLocks.Held lock = locks.storage()) {
                ZfsLeftovers.remove(this);
            }
            properties = ZfsListing.properties(zfs);
        }
        return ZfsListing.volumes(this, properties, vmid);
    }

    /** {@code /dev/zvol/POOL/NAME} for a zvol, {@code MOUNTPOINT/NAME} for a dataset (the reference's path). */
    @Override
    public Path path(VolumeName volname) throws VolportException {
        ZfsVolumeName name = own(volname);
        return name.isDataset() ? mountpoint.resolve(name.name()) : device(name.name());
    }

    @Override
    public VolumeInfo info(VolumeName volname) throws IOException {
        ZfsVolumeName name = own(volname);
        return list(OptionalInt.of(name.guest())).stream().filter(v -> v.volid().equals(id(name))).findFirst()
                .orElseThrow(() -> new StorageException("volume " + id(name) + " does not exist"));
    }

    /** The pool's {@code available} and {@code used}, as the reference's status; total is their sum. */
    @Override
    public StorageStatus status() throws IOException {
        if (section.disabled()) {
            return new StorageStatus(section.id(), section.type(), false, false, 0, 0, 0, section.content(),
                    section.shared());
        }
        var r = zfs.execute(zfs.commands().status(), "status of storage '" + section.id() + "'");
        List<String> lines = r.stdoutLines();
        if (!r.succeeded() || lines.size() != 2) {
            return new StorageStatus(section.id(), section.type(), true, false, 0, 0, 0, section.content(),
                    section.shared());
        }
        long avail = ZfsListing.number(lines.get(0));
        long used = ZfsListing.number(lines.get(1));
        return new StorageStatus(section.id(), section.type(), true, true, avail + used, used, avail,
                section.content(), section.shared());
    }

    @Override
    public Optional<Snapshots> snapshots() {
        return Optional.of(new ZfsSnapshots(this));
    }
}
