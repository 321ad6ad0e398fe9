package dev.volport.storage.flat;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.io.SizeHeader;
import dev.volport.os.ZeroPages;
import dev.volport.storage.Capabilities;
import dev.volport.storage.ImageCodec;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Qcow2Codec;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.StorageStatus;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.VmdkCodec;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** A {@code flat} storage: every volume is a file {@code NAME.FORMAT} directly in the folder {@code path}. */
final class FlatStorage implements Storage {
    static final String LOCK_FILE = ".flat.lock";
    static final String STAGING_PREFIX = ".flat-staging.";

    private final StorageSection section;
    private final StorageEnvironment env;
    private final Path root;

    FlatStorage(StorageSection section, StorageEnvironment env) throws StorageException {
        this.section = section;
        this.env = env;
        this.root = section.path().orElseThrow(() -> new StorageException("storage '" + section.id()
                + "' has no path"));
    }

    Path root() {
        return root;
    }

    StorageEnvironment env() {
        return env;
    }

    Path lockFile() {
        return root.resolve(LOCK_FILE);
    }

    @Override
    public StorageSection section() {
        return section;
    }

    @Override
    public Capabilities capabilities() {
        var formats = Map.of(ContentType.IMAGES,
                List.of(StreamFormat.RAW_SIZE, StreamFormat.QCOW2_SIZE, StreamFormat.VMDK_SIZE));
        return new Capabilities(formats, formats, false, false, false, section.shared(), false);
    }

    @Override
    public FlatVolumeName parseName(String volname) throws VolumeNameException {
        return FlatVolumeName.parse(volname);
    }

    FlatVolumeName own(VolumeName name) throws StorageException {
        if (name instanceof FlatVolumeName f) {
            return f;
        }
        throw new StorageException("volume '" + name.volname() + "': not a name of storage type 'flat'");
    }

    Path file(FlatVolumeName name) {
        return root.resolve(name.volname());
    }

    Optional<ImageCodec> codec(FlatVolumeName name) {
        return switch (name.format()) {
            case QCOW2 -> Optional.of(Qcow2Codec.standalone(file(name), env.linux()));
            case VMDK -> Optional.of(new VmdkCodec());
            default -> Optional.empty();
        };
    }

    @Override
    public List<StreamFormat> exportFormats(VolumeName name, TransferOptions options) throws VolportException {
        return formats(own(name), options);
    }

    @Override
    public List<StreamFormat> importFormats(VolumeName name, TransferOptions options) throws VolportException {
        return formats(own(name), options);
    }

    private static List<StreamFormat> formats(FlatVolumeName name, TransferOptions options) {
        if (options.base().isPresent() || options.snapshot().isPresent()) {
            return List.of();
        }
        if (options.withSnapshots()) {
            return switch (name.format()) {
                case QCOW2 -> List.of(StreamFormat.QCOW2_SIZE);
                case VMDK -> List.of(StreamFormat.VMDK_SIZE);
                default -> List.of();
            };
        }
        return List.of(StreamFormat.RAW_SIZE);
    }

    @Override
    public void exportVolume(VolumeName name, StreamFormat format, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException {
        FlatVolumeName vol = own(name);
        if (!formats(vol, options).contains(format)) {
            throw new StorageException("volume export format " + format + " not available for " + id(vol));
        }
        String what = id(vol).toString();
        Optional<ImageCodec> codec = codec(vol);
        try (FileChannel ch = FileChannel.open(file(vol), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            if (format == StreamFormat.RAW_SIZE && codec.isPresent()) {
                long size = codec.get().virtualSize(ch, what);
                codec.get().read(ch, what, Optional.empty(),
                        RawBodyEncoder.stream(out, size, ZeroPages::write, progress, what));
                return;
            }
            SizeHeader.write(out, codec.isPresent() ? codec.get().virtualSize(ch, what) : ch.size());
            long pos = 0;
            long size = ch.size();
            while (pos < size) {
                pos += ch.transferTo(pos, size - pos, out);
            }
        } catch (NoSuchFileException e) {
            throw new StorageException("volume " + id(vol) + " does not exist");
        }
    }

    @Override
    public ImportTarget prepareImport(VolumeName name, StreamFormat format, TransferOptions options)
            throws IOException {
        return new FlatImport(this, own(name), options);
    }

    @Override
    public VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB)
            throws StorageException {
        throw new StorageException("storage '" + section.id() + "': alloc is not supported by storage type 'flat'");
    }

    @Override
    public void free(VolumeName name) throws IOException {
        FlatVolumeName vol = own(name);
        try (StorageLock lock = StorageLock.acquire(env.linux(), lockFile())) {
            if (!Files.deleteIfExists(file(vol))) {
                throw new StorageException("volume " + id(vol) + " does not exist");
            }
        }
    }

    @Override
    public List<VolumeInfo> list(OptionalInt vmid) throws IOException {
        List<VolumeInfo> out = new ArrayList<>();
        if (vmid.isPresent() || !Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                try {
                    out.add(info(parseName(p.getFileName().toString())));
                } catch (VolumeNameException notAVolume) {
                    // staging files, the lock file, anything else
                }
            }
        }
        out.sort(Comparator.comparing(v -> v.volid().toString()));
        return out;
    }

    @Override
    public Path path(VolumeName name) throws VolportException {
        return file(own(name));
    }

    @Override
    public VolumeInfo info(VolumeName name) throws IOException {
        FlatVolumeName vol = own(name);
        Path f = file(vol);
        if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("volume " + id(vol) + " does not exist");
        }
        long size = Files.size(f);
        Optional<ImageCodec> codec = codec(vol);
        if (codec.isPresent()) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                size = codec.get().virtualSize(ch, id(vol).toString());
            }
        }
        return new VolumeInfo(id(vol), ContentType.IMAGES, vol.format(), size, env.linux().allocatedBytes(f),
                OptionalInt.empty(), Optional.empty(), List.of(), Instant.EPOCH);
    }

    @Override
    public StorageStatus status() throws IOException {
        var store = Files.getFileStore(root);
        return new StorageStatus(section.id(), section.type(), !section.disabled(), true, store.getTotalSpace(),
                store.getTotalSpace() - store.getUnallocatedSpace(), store.getUsableSpace(), section.content(),
                section.shared());
    }
}
