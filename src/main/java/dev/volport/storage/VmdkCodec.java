package dev.volport.storage;

import dev.volport.config.Preallocation;
import dev.volport.format.FormatException;
import dev.volport.format.vmdk.VmdkImage;
import dev.volport.format.vmdk.VmdkValidator;
import dev.volport.format.vmdk.VmdkWriter;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.WritebackHint;
import dev.volport.volume.SnapshotName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/** VMDK (monolithicSparse, streamOptimized) through {@code format.vmdk}. VMDK has no internal snapshots. */
public final class VmdkCodec implements ImageCodec {
    @Override
    public long virtualSize(FileChannel image, String name) throws IOException {
        try (VmdkImage img = VmdkImage.open(image, name)) {
            return img.virtualSize();
        }
    }

    @Override
    public List<String> snapshots(FileChannel image, String name) {
        return List.of();
    }

    @Override
    public Optional<String> baseVolume(FileChannel image, String name) {
        return Optional.empty();
    }

    @Override
    public void read(FileChannel image, String name, Optional<SnapshotName> snapshot, ExtentSink sink)
            throws IOException {
        if (snapshot.isPresent()) {
            throw new StorageException(name + ": VMDK volumes have no snapshots (asked for '"
                    + snapshot.get().value() + "')");
        }
        try (VmdkImage img = VmdkImage.open(image, name)) {
            img.read(sink);
        }
    }

    @Override
    public void validate(FileChannel image, String name, long declared) throws IOException {
        VmdkValidator.validate(image, name, declared);
    }

    @Override
    public void create(FileChannel out, String name, long size, Preallocation preallocation) throws IOException {
        try {
            VmdkWriter.checkSize(size);
        } catch (FormatException e) {
            throw new FormatException("cannot allocate " + name + ": " + e.getMessage(), e);
        }
        VmdkWriter.create(out, size);
    }

    @Override
    public ExtentSink converter(FileChannel out, long size, WritebackHint hint) throws IOException {
        return VmdkWriter.sink(out, size);
    }

    @Override
    public void convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress) throws IOException {
        VmdkWriter.convert(raw, size, out, progress);
    }
}
