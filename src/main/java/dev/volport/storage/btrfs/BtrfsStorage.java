package dev.volport.storage.btrfs;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.format.sparse.SparseEncoder;
import dev.volport.format.raw.RawSizeExporter;
import dev.volport.format.tar.TarExporter;
import dev.volport.format.tar.TarOptions;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.io.SizeHeader;
import dev.volport.os.BtrfsCalls;
import dev.volport.os.CommandRunner;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.RunningCommand;
import dev.volport.os.ZeroPages;
import dev.volport.storage.Capabilities;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.LocalCopy;
import dev.volport.storage.Snapshots;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.StorageStatus;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The {@code btrfs} storage type: a directory storage on a btrfs filesystem whose guest volumes are subvolumes
 * ({@link BtrfsVolumes} has the layout), with read-only sibling snapshots and the {@code btrfs} send stream.
 * Guest volumes ({@code images}, {@code rootdir}; formats {@code raw} and {@code subvol}) are subvolumes; the other
 * content types (ISOs, templates, backups, snippets, import files) are plain files laid out as on a {@code dir}
 * storage and served by one ({@link #fileStorage}), as the reference's btrfs plugin inherits them from its dir plugin. Copies from a btrfs storage on the same filesystem are
 * snapshots, not streams ({@link LocalCopy}).
 */
final class BtrfsStorage implements Storage, LocalCopy {
    private final StorageSection section;
    private final StorageEnvironment env;
    private final CommandRunner runner;
    private final BtrfsVolumes volumes;
    private final BtrfsCalls btrfsCalls = new BtrfsCalls();
    /** The storage's non-guest content, kept as a {@code dir} storage keeps it; absent when not wired. */
    private final Optional<Storage> fileStorage;

    BtrfsStorage(StorageSection section, StorageEnvironment env, CommandRunner runner, Optional<StorageType> files)
            throws StorageException {
        this.section = section;
        this.env = env;
        this.runner = runner;
        this.volumes = new BtrfsVolumes(section, runner);
        this.fileStorage = files.isPresent() ? Optional.of(files.get().open(section, env)) : Optional.empty();
    }

    /** What serves {@code name}, a file volume. */
    private Storage files(VolumeName name) throws StorageException {
        return fileStorage.orElseThrow(() -> new StorageException("volume '" + name.volname() + "' of storage '"
                + section.id() + "': this btrfs storage serves guest volumes only"));
    }

    /** Whether {@code name} is a file volume (ISO, template, backup, snippet, import), served by {@link #files}. */
    private static boolean isFile(VolumeName name) {
        return name instanceof DirVolumeName d && d.type() != ContentType.IMAGES && d.type() != ContentType.ROOTDIR;
    }

    @Override
    public StorageSection section() {
        return section;
    }

    StorageEnvironment env() {
        return env;
    }

    CommandRunner runner() {
        return runner;
    }

    BtrfsVolumes volumes() {
        return volumes;
    }

    BtrfsCalls btrfsCalls() {
        return btrfsCalls;
    }

    Linux linux() {
        return env.linux();
    }

    /** {@code nocow}: raw disks are created with copy-on-write off ({@code chattr +C}) before a byte is written. */
    boolean noCow() {
        return "1".equals(section.properties().get("nocow"));
    }

    @Override
    public Capabilities capabilities() {
        List<StreamFormat> raw = List.of(StreamFormat.RAW_SIZE);
        Map<ContentType, List<StreamFormat>> formats = Map.of(
                ContentType.IMAGES, List.of(StreamFormat.BTRFS, StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE),
                ContentType.ROOTDIR, List.of(StreamFormat.BTRFS, StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE,
                        StreamFormat.TAR_SIZE),
                ContentType.ISO, raw, ContentType.VZTMPL, raw, ContentType.SNIPPETS, raw, ContentType.IMPORT, raw);
        return new Capabilities(formats, formats, true, false, true, section.shared(), true);
    }

    @Override
    public DirVolumeName parseName(String volname) throws VolumeNameException {
        return DirVolumeName.parse(volname);
    }

    /** The name as this storage holds it: a guest's raw disk or subvolume, not a linked clone. */
    DirVolumeName own(VolumeName name) throws StorageException {
        if (!(name instanceof DirVolumeName d)) {
            throw new StorageException("volume '" + name.volname() + "' of storage '" + section.id()
                    + "': not a name of storage type 'btrfs'");
        }
        if (d.type() != ContentType.IMAGES && d.type() != ContentType.ROOTDIR) {
            throw new StorageException("volume " + id(d) + ": a " + d.type().id() + " file, not a guest volume");
        }
        if (d.base().isPresent() || d.format() != DiskFormat.RAW && d.format() != DiskFormat.SUBVOL) {
            throw new StorageException("volume " + id(d) + ": a btrfs storage holds raw disks and subvolumes only"
                    + (d.base().isPresent() ? ", no linked clones" : ", not " + d.format().id()));
        }
        return d;
    }

    VolumeId id(DirVolumeName vol) {
        return new VolumeId(section.id(), vol.volname());
    }

    @Override
    public List<StreamFormat> exportFormats(VolumeName name, TransferOptions options) throws VolportException {
        if (isFile(name)) {
            return files(name).exportFormats(name, options);
        }
        return BtrfsFormats.export(own(name), options);
    }

    @Override
    public List<StreamFormat> importFormats(VolumeName name, TransferOptions options) throws VolportException {
        if (isFile(name)) {
            return files(name).importFormats(name, options);
        }
        return BtrfsFormats.importing(own(name), options);
    }

    @Override
    public Path path(VolumeName name) throws VolportException {
        if (isFile(name)) {
            return files(name).path(name);
        }
        return volumes.file(own(name));
    }

    @Override
    public void exportVolume(VolumeName name, StreamFormat format, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException {
        if (isFile(name)) {
            files(name).exportVolume(name, format, options, out, progress);
            return;
        }
        DirVolumeName vol = own(name);
        if (!BtrfsFormats.export(vol, options).contains(format)) {
            throw new StorageException("volume export format " + format + " not available for " + id(vol));
        }
        volumes.requireOnline();
        if (!BtrfsVolumes.isSubvolume(volumes.subvolume(vol))) {
            throw new StorageException("volume " + id(vol) + " does not exist (no subvolume '"
                    + volumes.subvolume(vol) + "')");
        }
        String what = id(vol).toString();
        try {
            switch (format) {
                case BTRFS -> send(vol, options, out, progress);
                case TAR_SIZE -> {
                    progress.start("export " + what, -1);
                    SizeHeader.write(out, 0);
                    new TarExporter().export(volumes.subvolume(vol), out, TarOptions.DEFAULTS, progress);
                }
                case RAW_SIZE, RAW_SPARSE -> {
                    Path file = volumes.file(vol);
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                            LinuxCalls.Extents extents = env.linux().extents(file)) {
                        long size = ch.size();
                        progress.start("export " + what, size);
                        ExtentSink body = format == StreamFormat.RAW_SIZE
                                ? RawBodyEncoder.stream(out, size, ZeroPages::write, progress, what)
                                : SparseEncoder.stream(out, size, options.compression(), progress, what);
                        RawSizeExporter.read(ch, extents, size, body);
                    } catch (NoSuchFileException e) {
                        throw new StorageException("volume " + what + " does not exist (no file '" + file + "')");
                    }
                }
                default -> throw new StorageException("volume export format " + format + " not available for "
                        + what);
            }
        } finally {
            progress.finish();
        }
    }

    /**
     * A raw disk's guest content, of its current state or of a snapshot ({@code NAME@SNAP/disk.raw}), for
     * {@code volport checksum}: the file's data ranges ({@code SEEK_DATA}/{@code SEEK_HOLE}) as extent events.
     */
    @Override
    public void readContent(VolumeName name, TransferOptions options, ContentSink sinks) throws IOException {
        if (isFile(name)) {
            files(name).readContent(name, options, sinks);
            return;
        }
        DirVolumeName vol = own(name);
        String what = id(vol).toString();
        if (vol.format() != DiskFormat.RAW) {
            throw new StorageException(what + " is not a disk image (a subvolume is a directory tree)");
        }
        volumes.requireOnline();
        Path file = options.snapshot().isPresent()
                ? volumes.snapshot(vol, options.snapshot().get()).resolve(BtrfsVolumes.RAW_FILE) : volumes.file(vol);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
                LinuxCalls.Extents extents = env.linux().extents(file)) {
            long size = ch.size();
            RawSizeExporter.read(ch, extents, size, sinks.open(size));
        } catch (NoSuchFileException e) {
            throw new StorageException(options.snapshot().isPresent()
                    ? what + ": no snapshot '" + options.snapshot().get().value() + "' (no file '" + file + "')"
                    : "volume " + what + " does not exist (no file '" + file + "')");
        }
    }

    /**
     * The {@code btrfs} stream: {@code btrfs -q send -e [-p NAME@BASE] -- …} of the snapshots to send, the
     * requested one last, as the reference with its fixes: only this disk's snapshots, never the writable subvolume.
     */
    private void send(DirVolumeName vol, TransferOptions o, WritableByteChannel out, Progress progress)
            throws IOException {
        SnapshotName snap = o.snapshot().orElseThrow(
                () -> new StorageException("format 'btrfs' only works on snapshots"));
        List<Path> paths = new ArrayList<>();
        if (!o.snapshotList().isEmpty()) {
            for (SnapshotName s : o.snapshotList()) {
                if (!s.equals(snap)) {
                    paths.add(volumes.snapshot(vol, s));
                }
            }
        } else if (o.withSnapshots()) {
            for (String s : volumes.snapshots(vol)) {
                if (!s.equals(snap.value()) && o.base().map(b -> !b.value().equals(s)).orElse(true)) {
                    paths.add(volumes.snapshot(vol, new SnapshotName(s)));
                }
            }
        }
        paths.add(volumes.snapshot(vol, snap));
        Optional<Path> base = o.base().map(b -> volumes.snapshot(vol, b));
        for (Path p : base.map(b -> concat(b, paths)).orElse(paths)) {
            if (!BtrfsVolumes.isSubvolume(p)) {
                throw new StorageException("export of " + id(vol) + ": snapshot '" + p + "' does not exist");
            }
        }
        progress.start("export " + id(vol), -1);
        try (RunningCommand send = runner.start(BtrfsCommands.send(base, paths))) {
            try (InputStream in = send.stdout()) {
                byte[] buf = new byte[1 << 20];
                for (int n; (n = in.read(buf)) > 0; ) {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                    progress.advance(n);
                }
            }
            send.await();
        }
    }

    private static List<Path> concat(Path first, List<Path> rest) {
        List<Path> all = new ArrayList<>(rest);
        all.addFirst(first);
        return all;
    }

    @Override
    public ImportTarget prepareImport(VolumeName name, StreamFormat format, TransferOptions options)
            throws IOException {
        if (isFile(name)) {
            return files(name).prepareImport(name, format, options);
        }
        DirVolumeName vol = own(name);
        requireContent(vol, "import of " + id(vol));
        if (format == StreamFormat.BTRFS) {
            return new BtrfsReceive(this, vol, options);
        }
        return new BtrfsImport(this, vol, format, options);
    }

    /** A guest disk needs {@code images} (a raw one {@code rootdir} too), a subvolume {@code rootdir}. */
    void requireContent(DirVolumeName vol, String operation) throws StorageException {
        var content = section.content();
        boolean ok = vol.format() == DiskFormat.SUBVOL ? content.contains(ContentType.ROOTDIR)
                : content.contains(ContentType.IMAGES) || content.contains(ContentType.ROOTDIR);
        if (!ok) {
            throw new StorageException(operation + ": storage '" + section.id() + "' does not support content-type '"
                    + (vol.format() == DiskFormat.SUBVOL ? "rootdir" : "images") + "'");
        }
    }

    /** Between btrfs storages on one filesystem: a writable snapshot instead of a stream ({@link BtrfsLocalCopy}). */
    @Override
    public Optional<LocalCopy.Copied> copyLocally(Storage source, VolumeName from, VolumeName to,
            TransferOptions options, long bytesPerSecond, Progress progress) throws IOException {
        if (isFile(from) || isFile(to)) {
            return Optional.empty(); // a plain file travels as a stream
        }
        // a snapshot shares every block: nothing moves, so a bandwidth limit has nothing to hold back
        return new BtrfsLocalCopy(this).copy(source, from, to, options).map(v -> new LocalCopy.Copied(v,
                "a snapshot on the same btrfs filesystem (nothing copied)", 0));
    }

    @Override
    public Optional<Snapshots> snapshots() {
        return Optional.of(new BtrfsSnapshots(this));
    }

    @Override
    public VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException {
        return new BtrfsAlloc(this).alloc(vmid, fileName, format, sizeKiB);
    }

    /** Removes the volume's subvolume and all its snapshots in one {@code btrfs subvolume delete}. */
    @Override
    public void free(VolumeName name) throws IOException {
        if (isFile(name)) {
            files(name).free(name);
            return;
        }
        DirVolumeName vol = own(name);
        volumes.requireOnline();
        try (StorageLock lock = StorageLock.acquire(env.linux(), volumes.lockFile())) {
            Path sv = volumes.subvolume(vol);
            if (!BtrfsVolumes.isSubvolume(sv)) {
                throw new StorageException("volume " + id(vol) + " does not exist (no subvolume '" + sv + "')");
            }
            List<Path> all = new ArrayList<>();
            for (String s : volumes.snapshots(vol)) {
                all.add(volumes.snapshot(vol, new SnapshotName(s)));
            }
            all.add(sv);
            runner.run(BtrfsCommands.subvolumeDelete(all));
            try {
                Files.deleteIfExists(sv.getParent());
            } catch (IOException notEmpty) {
                // other volumes of the guest stay
            }
        }
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) throws IOException {
        return list(vmid, EnumSet.allOf(ContentType.class));
    }

    /** Guest volumes first (subvolumes, by id), then the files of the other content types as a dir storage lists them. */
    @Override
    public List<VolumeInfo> list(OptionalInt vmid, Set<ContentType> content) throws IOException {
        List<VolumeInfo> out = new ArrayList<>(guestVolumes(vmid).stream().filter(v -> content.contains(v.content()))
                .toList());
        Set<ContentType> fileTypes = EnumSet.copyOf(content);
        fileTypes.removeAll(EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR));
        if (fileStorage.isPresent() && !fileTypes.isEmpty()) {
            out.addAll(fileStorage.get().list(vmid, fileTypes));
        }
        return out;
    }

    private List<VolumeInfo> guestVolumes(OptionalInt vmid) throws IOException {
        volumes.requireOnline();
        volumes.cleanLeftoversLocking(env.linux(), env.warnings());
        List<VolumeInfo> out = new ArrayList<>();
        Path images = volumes.root().resolve(ContentType.IMAGES.subdir());
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> guests = Files.newDirectoryStream(images)) {
            for (Path g : guests) {
                String gn = g.getFileName().toString();
                if (!gn.matches("\\d{1,9}") || vmid.isPresent() && Integer.parseInt(gn) != vmid.getAsInt()) {
                    continue;
                }
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(g)) {
                    for (Path p : ds) {
                        Optional<DirVolumeName> v = BtrfsVolumes.volumeOf(Integer.parseInt(gn),
                                p.getFileName().toString());
                        if (v.isPresent() && BtrfsVolumes.isSubvolume(p)) {
                            try {
                                out.add(infoOnline(v.get()));
                            } catch (VolportException unreadable) {
                                // listed all the same, so that a damaged volume can be seen and freed
                                env.warnings().println("volport: " + unreadable.getMessage());
                                out.add(new VolumeInfo(id(v.get()), v.get().type(), v.get().format(), 0, 0,
                                        v.get().vmid(), Optional.empty(), List.of(), java.time.Instant.EPOCH));
                            }
                        }
                    }
                }
            }
        }
        out.sort(Comparator.comparing(v -> v.volid().toString()));
        return out;
    }

    @Override
    public VolumeInfo info(VolumeName name) throws IOException {
        if (isFile(name)) {
            return files(name).info(name);
        }
        DirVolumeName vol = own(name);
        volumes.requireOnline();
        return infoOnline(vol);
    }

    private VolumeInfo infoOnline(DirVolumeName vol) throws IOException {
        Path sv = volumes.subvolume(vol);
        if (!BtrfsVolumes.isSubvolume(sv)) {
            throw new StorageException("volume " + id(vol) + " does not exist (no subvolume '" + sv + "')");
        }
        Path file = volumes.file(vol);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + id(vol) + ": no file '" + file + "' in its subvolume");
        }
        boolean raw = vol.format() == DiskFormat.RAW;
        if (raw && !attrs.isRegularFile()) {
            throw new StorageException("volume " + id(vol) + ": '" + file + "' is not a regular file");
        }
        return new VolumeInfo(id(vol), vol.type(), vol.format(), raw ? attrs.size() : 0,
                raw ? env.linux().allocatedBytes(file) : 0, vol.vmid(), Optional.empty(), volumes.snapshots(vol),
                attrs.creationTime().toInstant());
    }

    @Override
    public StorageStatus status() throws IOException {
        if (section.disabled() || !volumes.online()) {
            return new StorageStatus(section.id(), section.type(), !section.disabled(), false, 0, 0, 0,
                    section.content(), section.shared());
        }
        FileStore store = Files.getFileStore(volumes.root());
        long total = store.getTotalSpace();
        return new StorageStatus(section.id(), section.type(), true, true, total,
                total - store.getUnallocatedSpace(), store.getUsableSpace(), section.content(), section.shared());
    }
}
