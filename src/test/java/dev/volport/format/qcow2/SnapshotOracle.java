package dev.volport.format.qcow2;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.io.Progress;
import dev.volport.testing.DigestChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Helpers for the snapshot writer's tests: volport's operations on a path, and qemu-img's view of the result. */
final class SnapshotOracle {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00.123456789Z");

    private SnapshotOracle() {
    }

    /** The operation of {@link Qcow2Snapshots} to run on an open channel. */
    @FunctionalInterface
    interface Op<T> {
        T apply(Qcow2Snapshots snapshots) throws IOException;
    }

    static <T> T on(Path image, Op<T> op) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            return op.apply(new Qcow2Snapshots(ch, image.getFileName().toString()));
        }
    }

    static Qcow2Snapshot create(Path image, String name) throws IOException {
        return on(image, s -> s.create(name, NOW));
    }

    /** A qcow2 written by volport's own writer from {@code raw}. */
    static void volportImage(Path image, byte[] raw) throws IOException {
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(raw)), raw.length, out,
                    Progress.NONE);
        }
    }

    /**
     * Requires {@code qemu-img check} to find neither errors nor leaks (its exit code 0), and volport's own import
     * validator to accept the file.
     */
    static void assertClean(Path image) throws IOException {
        Qemu.Result r = Qemu.exec(List.of("qemu-img", "check", "-f", "qcow2", image.toString()));
        assertThat(r.exit()).as("qemu-img check %s: %s", image.getFileName(), r.output()).isZero();
        assertThat(r.output()).contains("No errors were found on the image.");
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Qcow2Validator.validate(ch, image.getFileName().toString(), headerField(image, 24, 8));
        }
    }

    /** The snapshot tags {@code qemu-img snapshot -l} prints, in its order. */
    static List<String> qemuTags(Path image) {
        String out = Qemu.run("qemu-img", "snapshot", "-l", image.toString());
        return out.lines().skip(2).map(l -> l.trim().split("\\s+")).filter(f -> f.length > 1).map(f -> f[1])
                .toList();
    }

    /** SHA-256 of the guest content as volport's reader streams it (of a snapshot if given). */
    static String volportSha(Path image, Optional<String> snapshot) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
                Qcow2Image q = Qcow2Image.open(ch, image.getFileName().toString(), BackingResolver.NONE)) {
            DigestChannel d = new DigestChannel();
            q.readRaw(snapshot, d, Progress.NONE);
            return d.hex();
        }
    }

    /** SHA-256 of {@code bytes}. */
    static String sha(byte[] bytes) throws IOException {
        DigestChannel d = new DigestChannel();
        d.write(ByteBuffer.wrap(bytes));
        return d.hex();
    }

    /** The bytes of a file, for "nothing changed" checks. */
    static byte[] bytes(Path file) throws IOException {
        return Files.readAllBytes(file);
    }

    /** Sets bits in the header's incompatible_features (offset 72). */
    static void setIncompatible(Path image, long bits) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, 72);
            long v = b.flip().getLong() | bits;
            ch.write(b.clear().putLong(v).flip(), 72);
        }
    }

    /** A header field of 4 or 8 bytes, big-endian. */
    static long headerField(Path image, int offset, int width) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(width);
            ch.read(b, offset);
            b.flip();
            return width == 8 ? b.getLong() : Integer.toUnsignedLong(b.getInt());
        }
    }
}
