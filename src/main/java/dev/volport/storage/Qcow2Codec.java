package dev.volport.storage;

import dev.volport.config.Preallocation;
import dev.volport.format.FormatException;
import dev.volport.format.qcow2.BackingResolver;
import dev.volport.format.qcow2.Qcow2Image;
import dev.volport.format.qcow2.Qcow2Snapshot;
import dev.volport.format.qcow2.Qcow2Validator;
import dev.volport.format.qcow2.Qcow2Writer;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.WritebackHint;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.volume.SnapshotName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * qcow2 through {@code format.qcow2}, for one image file of a file-based storage. A backing file is followed only
 * when the storage lays images out as the reference's file storages do ({@code images/VMID/FILE}, see
 * {@link #linkedClones}), in the reference's linked-clone form {@code ../BASEVMID/base-BASEVMID-disk-N.qcow2}, to a
 * regular file of the same storage; otherwise an image with a backing file is refused on import. The format code
 * itself never opens a path.
 */
public final class Qcow2Codec implements ImageCodec {
    private static final Pattern LINKED_BASE = Pattern.compile("^\\.\\./(\\d{1,9})/(base-\\1-disk-\\d{1,4}\\.qcow2)$");

    private final Path file;
    private final Linux linux;
    private final boolean linkedClones;

    private Qcow2Codec(Path file, Linux linux, boolean linkedClones) {
        this.file = file;
        this.linux = linux;
        this.linkedClones = linkedClones;
    }

    /** For {@code file} at {@code images/VMID/FILE} of a storage: linked clones resolve to {@code images/BASEVMID/…}. */
    public static Qcow2Codec linkedClones(Path file, Linux linux) {
        return new Qcow2Codec(file, linux, true);
    }

    /** For a storage without linked clones: no backing file is ever opened. */
    public static Qcow2Codec standalone(Path file, Linux linux) {
        return new Qcow2Codec(file, linux, false);
    }

    private final BackingResolver resolver = this::openBase;

    /** Opens the base of a linked clone: {@code images/BASEVMID/base-…} next to this image's guest directory. */
    private Optional<FileChannel> openBase(String name) throws IOException {
        Matcher m = LINKED_BASE.matcher(name);
        if (!linkedClones || !m.matches()) {
            return Optional.empty();
        }
        Path images = file.toAbsolutePath().getParent().getParent();
        Path base = images.resolve(m.group(1)).resolve(m.group(2));
        if (!Files.isRegularFile(base, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        return Optional.of(FileChannel.open(base, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
    }

    @Override
    public long virtualSize(FileChannel image, String name) throws IOException {
        try (Qcow2Image img = Qcow2Image.open(image, name, resolver)) {
            return img.virtualSize();
        }
    }

    @Override
    public Summary summary(FileChannel image, String name) throws IOException {
        Qcow2Image.Summary s = Qcow2Image.summary(image, name);
        return new Summary(s.virtualSize(), s.snapshots().stream().map(Qcow2Snapshot::name).toList(),
                s.backingFileName());
    }

    @Override
    public List<String> snapshots(FileChannel image, String name) throws IOException {
        try (Qcow2Image img = Qcow2Image.open(image, name, resolver)) {
            return img.snapshots().stream().map(Qcow2Snapshot::name).toList();
        }
    }

    @Override
    public Optional<String> baseVolume(FileChannel image, String name) throws IOException {
        try (Qcow2Image img = Qcow2Image.open(image, name, resolver)) {
            return img.backingFileName().map(LINKED_BASE::matcher).filter(Matcher::matches)
                    .map(m -> m.group(1) + "/" + m.group(2));
        }
    }

    @Override
    public void read(FileChannel image, String name, Optional<SnapshotName> snapshot, ExtentSink sink)
            throws IOException {
        try (Qcow2Image img = Qcow2Image.open(image, name, resolver)) {
            img.read(snapshot.map(SnapshotName::value), sink);
        }
    }

    @Override
    public void validate(FileChannel image, String name, long declared) throws IOException {
        Qcow2Validator.Report report = Qcow2Validator.validate(image, name, declared);
        Optional<String> backing = report.backingFileName();
        if (backing.isPresent()) {
            Optional<FileChannel> base = resolver.resolve(backing.get());
            if (base.isEmpty()) {
                throw new FormatException(name + ": the image names backing file '" + backing.get()
                        + "'; only a linked clone of a base image that exists on this storage is accepted");
            }
            base.get().close();
        }
    }

    @Override
    public void create(FileChannel out, String name, long size, Preallocation preallocation) throws IOException {
        try {
            Qcow2Writer.checkSize(size);
        } catch (FormatException e) {
            throw new FormatException("cannot allocate " + name + ": " + e.getMessage(), e);
        }
        Qcow2Writer.Preallocation p = switch (preallocation) {
            case OFF -> Qcow2Writer.Preallocation.OFF;
            case METADATA -> Qcow2Writer.Preallocation.METADATA;
            case FALLOC -> Qcow2Writer.Preallocation.FALLOC;
            case FULL -> Qcow2Writer.Preallocation.FULL;
        };
        Qcow2Writer.create(out, size, p, (offset, length) -> linux.fallocate(file, offset, length));
    }

    @Override
    public ExtentSink converter(FileChannel out, long size, WritebackHint hint) throws IOException {
        return Qcow2Writer.sink(out, size, hint);
    }

    @Override
    public void convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress) throws IOException {
        Qcow2Writer.convert(raw, size, out, progress);
    }

    @Override
    public void convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress, WritebackHint hint)
            throws IOException {
        Qcow2Writer.convert(raw, size, out, progress, hint);
    }
}
