package dev.volport.storage.dir;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.format.raw.RawSizeExporter;
import dev.volport.format.sparse.SparseEncoder;
import dev.volport.format.tar.TarExporter;
import dev.volport.format.tar.TarOptions;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.io.SizeHeader;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ZeroPages;
import dev.volport.storage.Capabilities;
import dev.volport.storage.ImageCodec;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.LocalCopy;
import dev.volport.storage.Qcow2Codec;
import dev.volport.storage.Snapshots;
import dev.volport.storage.VmdkCodec;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.StorageStatus;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The {@code dir} storage type: volumes are files (raw, qcow2, vmdk) and directories (subvol) below the
 * storage's {@code path}, laid out as the reference lays them out (reference §4.3–§4.6).
 */
public final class DirStorage implements Storage, LocalCopy {
    private final StorageSection section;
    private final StorageEnvironment env;
    private final DirLayout layout;

    public DirStorage(StorageSection section, StorageEnvironment env) throws StorageException {
        this.section = section;
        this.env = env;
        this.layout = new DirLayout(section);
    }

    @Override
    public StorageSection section() {
        return section;
    }

    @Override
    public Capabilities capabilities() {
        List<StreamFormat> images = List.of(StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE, StreamFormat.QCOW2_SIZE,
                StreamFormat.VMDK_SIZE);
        List<StreamFormat> rootdir = List.of(StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE, StreamFormat.TAR_SIZE);
        List<StreamFormat> raw = List.of(StreamFormat.RAW_SIZE);
        Map<ContentType, List<StreamFormat>> formats = Map.of(ContentType.IMAGES, images, ContentType.ROOTDIR, rootdir,
                ContentType.ISO, raw, ContentType.VZTMPL, raw, ContentType.SNIPPETS, raw, ContentType.IMPORT, raw);
        return new Capabilities(formats, formats, true, true, false, section.shared(), false);
    }

    /** The image codec for the file {@code file} of format {@code format}; empty for raw files and directories. */
    Optional<ImageCodec> codec(DiskFormat format, Path file) {
        return switch (format) {
            case VMDK -> Optional.of(new VmdkCodec());
            case QCOW2 -> Optional.of(Qcow2Codec.linkedClones(file, env.linux()));
            case RAW, SUBVOL, OVA, OVF -> Optional.empty();
        };
    }

    StorageEnvironment env() {
        return env;
    }

    DirLayout layout() {
        return layout;
    }

    @Override
    public DirVolumeName parseName(String volname) throws VolumeNameException {
        return DirVolumeName.parse(volname);
    }

    /**
     * The dir name of {@code name}.
     *
     * @throws StorageException for a name another storage type parsed
     */
    DirVolumeName own(VolumeName name) throws StorageException {
        if (name instanceof DirVolumeName d) {
            return d;
        }
        throw new StorageException("volume '" + name.volname() + "' of storage '" + section.id()
                + "': not a name of storage type 'dir'");
    }

    @Override
    public List<StreamFormat> exportFormats(VolumeName name, TransferOptions options) throws VolportException {
        return DirFormats.export(own(name), options);
    }

    @Override
    public List<StreamFormat> importFormats(VolumeName name, TransferOptions options) throws VolportException {
        return DirFormats.importing(own(name), options);
    }

    @Override
    public Path path(VolumeName name) throws VolportException {
        DirVolumeName vol = own(name);
        return layout.root().resolve(vol.referencePath(layout::subdirName));
    }

    @Override
    public void exportVolume(VolumeName name, StreamFormat format, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException {
        DirVolumeName vol = own(name);
        String volname = vol.volname();
        if (!DirFormats.export(vol, options).contains(format)) {
            throw new StorageException("volume export format " + format + " not available for "
                    + id(volname) + describe(options));
        }
        Path file = layout.file(vol);
        layout.requireOnline();
        if (vol.ovaMember().isPresent()) {
            throw new StorageException("export of " + id(volname) + ": a disk inside an OVA cannot be exported"
                    + " on its own");
        }
        if (format == StreamFormat.TAR_SIZE) {
            exportTar(volname, file, out, progress);
            return;
        }
        Optional<ImageCodec> codec = codec(vol.format(), file);
        // a qcow2 image is held shared while it is read, so that its snapshots are not changed under the reader
        try (LinuxCalls.OfdLock reading = vol.format() == DiskFormat.QCOW2 ? env.linux().lockShared(file) : null;
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            String what = id(volname).toString();
            switch (format) {
                case RAW_SIZE -> readImage(file, ch, codec, options, what, size -> {
                    progress.start("export " + what, size);
                    return RawBodyEncoder.stream(out, size, ZeroPages::write, progress, what);
                });
                case RAW_SPARSE -> readImage(file, ch, codec, options, what, size -> {
                    progress.start("export " + what, size);
                    return SparseEncoder.stream(out, size, options.compression(), progress, what);
                });
                case QCOW2_SIZE, VMDK_SIZE -> {
                    ImageCodec c = codec.orElseThrow(() -> new StorageException("export of " + what + " as "
                            + format + " needs native " + vol.format().id() + " support, not implemented yet"));
                    long virtual = c.virtualSize(ch, what);
                    long length = ch.size();
                    progress.start("export " + what, length);
                    SizeHeader.write(out, virtual);
                    // The image file as it is, holes included: a body whose length is the file's.
                    ExtentSink body = new ExactLengthSink(new RawBodyEncoder(out, ZeroPages::write, progress, what),
                            length, what);
                    try (LinuxCalls.Extents extents = env.linux().extents(file)) {
                        RawSizeExporter.read(ch, extents, length, body);
                    }
                }
                case TAR_SIZE -> throw new AssertionError("tar is exported above");
                case ZFS, BTRFS -> throw new StorageException(
                        "export of " + what + " as " + format + " is not implemented yet");
            }
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + id(volname) + " does not exist (no file '" + file + "')");
        } finally {
            progress.finish();
        }
    }

    /**
     * Emits the guest content of the open image {@code ch} (a raw file by its extents, qcow2/VMDK through their
     * codec, {@code options.snapshot()} if given) into the sink {@code sinks} opens for its size.
     */
    private void readImage(Path file, FileChannel ch, Optional<ImageCodec> codec, TransferOptions options,
            String what, ContentSink sinks) throws IOException {
        long size = codec.isPresent() ? codec.get().virtualSize(ch, what) : ch.size();
        ExtentSink body = sinks.open(size);
        if (codec.isPresent()) {
            codec.get().read(ch, what, options.snapshot(), body);
        } else {
            try (LinuxCalls.Extents extents = env.linux().extents(file)) {
                RawSizeExporter.read(ch, extents, size, body);
            }
        }
    }

    @Override
    public void readContent(VolumeName name, TransferOptions options, ContentSink sinks) throws IOException {
        DirVolumeName vol = own(name);
        String what = id(vol.volname()).toString();
        if (vol.format() == DiskFormat.SUBVOL || vol.ovaMember().isPresent()) {
            throw new StorageException(what + " is not a disk image (" + (vol.format() == DiskFormat.SUBVOL
                    ? "a subvolume is a directory tree" : "a disk inside an OVA") + ")");
        }
        if (options.snapshot().isPresent() && vol.format() != DiskFormat.QCOW2) {
            throw new StorageException(what + ": only qcow2 images have snapshots on storage type 'dir'");
        }
        Path file = layout.file(vol);
        layout.requireOnline();
        try (LinuxCalls.OfdLock reading = vol.format() == DiskFormat.QCOW2 ? env.linux().lockShared(file) : null;
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            readImage(file, ch, codec(vol.format(), file), options, what, sinks);
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + what + " does not exist (no file '" + file + "')");
        }
    }

    /**
     * A subvolume as {@code tar+size}: size header 0 (a directory without quota, as the reference sends it), then
     * the tree's inner contents ({@code ./…}) as GNU tar writes them with the reference's flags.
     */
    private void exportTar(String volname, Path dir, WritableByteChannel out, Progress progress) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("volume " + id(volname) + " does not exist (no directory '" + dir + "')");
        }
        progress.start("export " + id(volname), -1);
        try {
            SizeHeader.write(out, 0);
            new TarExporter().export(dir, out, TarOptions.DEFAULTS, progress);
        } finally {
            progress.finish();
        }
    }

    @Override
    public ImportTarget prepareImport(VolumeName name, StreamFormat format, TransferOptions options)
            throws IOException {
        return new DirImport(this, own(name), format, options);
    }

    /**
     * Between dir storages of this host: a clone of a raw file on a filesystem that shares blocks, else a copy of
     * its data ranges when no bandwidth limit applies ({@link DirLocalCopy}).
     */
    @Override
    public Optional<LocalCopy.Copied> copyLocally(Storage source, VolumeName from, VolumeName to,
            TransferOptions options, long bytesPerSecond, Progress progress) throws IOException {
        return new DirLocalCopy(this).copy(source, from, to, options, bytesPerSecond, progress);
    }

    /** qcow2 internal snapshots: listed, created, deleted and rolled back natively ({@link DirSnapshots}). */
    @Override
    public Optional<Snapshots> snapshots() {
        return Optional.of(new DirSnapshots(this));
    }

    @Override
    public VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException {
        return new DirAlloc(this).alloc(vmid, fileName, format, sizeKiB);
    }

    @Override
    public void free(VolumeName name) throws IOException {
        DirVolumeName vol = own(name);
        String volname = vol.volname();
        Path file = layout.file(vol);
        layout.requireOnline();
        try (StorageLock lock = StorageLock.acquire(env.linux(), layout.lockFile())) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new StorageException("volume " + id(volname) + " does not exist (no file '" + file + "')");
            }
            DirLayout.deleteTree(file);
            if (vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR) {
                removeIfEmpty(file.getParent());
            }
        }
    }

    static void removeIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmpty) {
            // still holds other volumes: keep it
        }
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) throws IOException {
        return list(vmid, EnumSet.allOf(ContentType.class));
    }

    /** The reference's {@code list_volumes} ({@link DirListing}), after removing leftovers of interrupted imports. */
    @Override
    public List<VolumeInfo> list(OptionalInt vmid, Set<ContentType> content) throws IOException {
        layout.requireOnline();
        if (!Files.isDirectory(layout.root())) {
            return List.of();
        }
        layout.requireDistinctSubdirs();
        layout.cleanLeftoversLocking(env.linux(), env.warnings());
        return new DirListing(this).list(vmid, content);
    }

    @Override
    public VolumeInfo info(VolumeName name) throws IOException {
        DirVolumeName vol = own(name);
        layout.requireOnline();
        if (vol.ovaMember().isPresent()) {
            return new DirListing(this).ovaMember(vol);
        }
        return infoOnline(vol);
    }

    private VolumeInfo infoOnline(DirVolumeName vol) throws IOException {
        String volname = vol.volname();
        Path file = layout.file(vol);
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + id(volname) + " does not exist (no file '" + file + "')");
        }
        boolean dir = attrs.isDirectory();
        if (dir != (vol.format() == DiskFormat.SUBVOL) || attrs.isSymbolicLink()) {
            throw new StorageException("volume " + id(volname) + ": '" + file + "' is not a "
                    + (vol.format() == DiskFormat.SUBVOL ? "directory" : "regular file"));
        }
        long size = dir ? 0 : attrs.size();
        Optional<String> parent = vol.base().map(b -> b.vmid() + "/" + b.fileName());
        List<String> snapshots = List.of();
        Optional<ImageCodec> codec = codec(vol.format(), file);
        if (codec.isPresent()) {
            String what = id(volname).toString();
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                // the image's own metadata: a linked clone whose base is gone is still described
                ImageCodec.Summary summary = codec.get().summary(ch, what);
                size = summary.virtualSize();
                snapshots = summary.snapshots();
                if (parent.isEmpty()) {
                    parent = summary.backingFile().map(DirStorage::baseVolume);
                }
            }
        }
        long used = dir ? 0 : env.linux().allocatedBytes(file);
        return new VolumeInfo(id(volname), vol.type(), vol.format(), size, used, vol.vmid(), parent, snapshots,
                attrs.creationTime().toInstant());
    }

    /** A backing file {@code ../VMID/NAME} as the base volume {@code VMID/NAME}; any other name as it is. */
    private static String baseVolume(String backingFile) {
        return backingFile.matches("\\.\\./\\d{1,9}/[^/]+") ? backingFile.substring(3) : backingFile;
    }

    @Override
    public StorageStatus status() throws IOException {
        Path root = layout.root();
        if (section.disabled() || !layout.online()) {
            return new StorageStatus(section.id(), section.type(), !section.disabled(), false, 0, 0, 0,
                    section.content(), section.shared());
        }
        // statvfs on the path itself (java.io.File): Files.getFileStore looks the path up in the mount table, which
        // inside a chroot or a container names other paths ("Mount point not found")
        File dir = root.toFile();
        long total = dir.getTotalSpace();
        long avail = dir.getUsableSpace();
        return new StorageStatus(section.id(), section.type(), true, true, total, total - dir.getFreeSpace(),
                avail, section.content(), section.shared());
    }

    /**
     * Fails unless the storage's {@code content} admits a volume of {@code type} and {@code format}: a guest volume
     * needs {@code images}, a container subvolume {@code rootdir}, and a raw disk either (containers use raw disks
     * too); every other type needs itself. {@link #list} shows exactly what these rules admit.
     *
     * @throws StorageException {@code OPERATION: storage 'ID' does not support content-type 'TYPE'}, the
     *         reference's words after the operation
     */
    void requireContent(ContentType type, DiskFormat format, String operation) throws StorageException {
        var content = section.content();
        ContentType needed;
        boolean ok;
        if (type == ContentType.IMAGES || type == ContentType.ROOTDIR) {
            needed = format == DiskFormat.SUBVOL ? ContentType.ROOTDIR : ContentType.IMAGES;
            ok = content.contains(needed) || format == DiskFormat.RAW && content.contains(ContentType.ROOTDIR);
        } else {
            needed = type;
            ok = content.contains(type);
        }
        if (!ok) {
            throw new StorageException(operation + ": storage '" + section.id() + "' does not support content-type '"
                    + needed.id() + "'");
        }
    }

    VolumeId id(String volname) {
        return new VolumeId(section.id(), volname);
    }

    private static String describe(TransferOptions o) {
        StringBuilder sb = new StringBuilder();
        o.snapshot().ifPresent(s -> sb.append(", snapshot '").append(s.value()).append('\''));
        o.base().ifPresent(s -> sb.append(", base '").append(s.value()).append('\''));
        sb.append(o.withSnapshots() ? ", with snapshots" : ", without snapshots");
        return " (" + sb.substring(2) + ")";
    }
}
