package dev.volport.format.qcow2;

import dev.volport.testing.DigestChannel;
import static dev.volport.format.qcow2.Qemu.img;
import static dev.volport.format.qcow2.Qemu.io;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Oracle matrix: images made here by qemu-img/qemu-io; volport's raw stream of each must hash like
 * {@code qemu-img convert -O raw}.
 */
class Qcow2ReaderOracleTest {
    @TempDir
    Path dir;

    /** Writes of patterns at cluster-aligned, unaligned and end-of-disk places (sizes of at least 4 MiB). */
    private static final String[] WRITES = {
        "write -P 0x11 0 64k", "write -P 0x22 1000k 3k", "write -P 0x33 300k 200k", "write -P 0x44 3m 1m",
        "write -P 0x55 2097152 512",
    };

    static Stream<Arguments> images() {
        return Stream.of(
                Arguments.of("v2-64k", List.of("-o", "compat=0.10"), "8M"),
                Arguments.of("v3-512", List.of("-o", "cluster_size=512"), "4M"),
                Arguments.of("v3-4k", List.of("-o", "cluster_size=4096"), "6M"),
                Arguments.of("v3-64k-odd-size", List.of(), "5243392"),
                Arguments.of("v3-2M", List.of("-o", "cluster_size=2M"), "9M"),
                Arguments.of("v3-2M-odd-size", List.of("-o", "cluster_size=2M"), "5243392"),
                Arguments.of("refcount-1", List.of("-o", "refcount_bits=1"), "8M"),
                Arguments.of("refcount-64", List.of("-o", "refcount_bits=64"), "8M"),
                Arguments.of("v2-refcount-16-4k", List.of("-o", "compat=0.10,cluster_size=4k"), "8M"),
                Arguments.of("extended-l2", List.of("-o", "extended_l2=on,cluster_size=128k"), "8M"),
                Arguments.of("prealloc-metadata", List.of("-o", "preallocation=metadata"), "8M"),
                Arguments.of("lazy-refcounts", List.of("-o", "lazy_refcounts=on"), "8M"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void writtenImagesReadLikeQemu(String name, List<String> options, String size) throws IOException {
        Path image = dir.resolve(name + ".qcow2");
        create(image, options, size);
        io(image, WRITES);
        assertSameContent(image, Optional.empty());
    }

    @Test
    void emptyImageIsAllZeros() throws IOException {
        Path image = dir.resolve("empty.qcow2");
        create(image, List.of(), "3M");
        assertSameContent(image, Optional.empty());
    }

    @Test
    void streamsIntoAPipe() throws Exception {
        Path image = dir.resolve("pipe.qcow2");
        create(image, List.of(), "6M");
        io(image, WRITES);
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        DigestChannel digest = new DigestChannel();
        Thread drain = Thread.ofPlatform().start(() -> {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
            try (var source = pipe.source()) {
                while (source.read(buf.clear()) >= 0) {
                    digest.write(buf.flip());
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
                Qcow2Image q = Qcow2Image.open(ch, image.toString(), BackingResolver.NONE);
                var sink = pipe.sink()) {
            q.readRaw(Optional.empty(), sink, Progress.NONE);
        }
        drain.join(60_000);
        assertThat(digest.bytes()).isEqualTo(6L << 20);
        assertThat(digest.hex()).isEqualTo(Qemu.rawSha(image, Optional.empty()));
    }

    @Test
    void zeroClustersV3() throws IOException {
        Path image = dir.resolve("zero.qcow2");
        create(image, List.of(), "8M");
        io(image, "write -P 0x66 0 1m", "write -z 64k 128k", "write -z 4m 256k", "write -P 0x77 4160k 4k");
        assertSameContent(image, Optional.empty());
    }

    @Test
    void zeroSubclustersExtendedL2() throws IOException {
        Path image = dir.resolve("zero-ext.qcow2");
        create(image, List.of("-o", "extended_l2=on,cluster_size=64k"), "4M");
        io(image, "write -P 0x66 0 1m", "write -z 6k 10k", "write -z 2m 128k", "write -P 0x78 2052k 4k");
        assertSameContent(image, Optional.empty());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("compressions")
    void compressedImages(String name, List<String> options) throws IOException {
        Path raw = dir.resolve(name + ".raw");
        Qemu.run("qemu-img", "create", "-q", "-f", "raw", raw.toString(), "6M");
        Qemu.run("qemu-io", "-f", "raw", "-c", "write -P 0x11 0 1m", "-c", "write -P 0x22 2m 5k", "-c",
                "write -P 0x33 5m 1m", raw.toString());
        Path image = dir.resolve(name + ".qcow2");
        List<String> argv = new java.util.ArrayList<>(List.of("qemu-img", "convert", "-c", "-f", "raw", "-O",
                "qcow2"));
        argv.addAll(options);
        argv.addAll(List.of(raw.toString(), image.toString()));
        Qemu.run(argv.toArray(String[]::new));
        io(image, "write -P 0x44 64k 4k");
        assertSameContent(image, Optional.empty());
    }

    static Stream<Arguments> compressions() {
        return Stream.of(
                Arguments.of("zlib-64k", List.of()),
                Arguments.of("zlib-4k", List.of("-o", "cluster_size=4k")),
                Arguments.of("zlib-512", List.of("-o", "cluster_size=512")),
                Arguments.of("zlib-2M", List.of("-o", "cluster_size=2M")),
                Arguments.of("zstd-64k", List.of("-o", "compression_type=zstd")),
                Arguments.of("zstd-4k", List.of("-o", "compression_type=zstd,cluster_size=4k")));
    }

    @Test
    void internalSnapshots() throws IOException {
        Path image = dir.resolve("snaps.qcow2");
        create(image, List.of(), "8M");
        io(image, "write -P 0x11 0 2m");
        img("snapshot", "-c", "first", image.toString());
        io(image, "write -P 0x22 1m 2m", "write -z 0 64k");
        img("snapshot", "-c", "second", image.toString());
        io(image, "write -P 0x33 512k 4k", "write -P 0x44 6m 1m");
        assertSameContent(image, Optional.empty());
        assertSameContent(image, Optional.of("first"));
        assertSameContent(image, Optional.of("second"));
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
                Qcow2Image q = Qcow2Image.open(ch, image.toString(), BackingResolver.NONE)) {
            assertThat(q.snapshots()).extracting(Qcow2Snapshot::name).containsExactly("first", "second");
            assertThat(q.snapshots()).extracting(Qcow2Snapshot::id).containsExactly("1", "2");
            assertThat(q.snapshots()).allSatisfy(s -> assertThat(s.virtualSize()).isEqualTo(8L << 20));
            assertThat(q.snapshot("2").name()).isEqualTo("second");
        }
    }

    @Test
    void linkedCloneOnBase() throws IOException {
        Files.createDirectories(dir.resolve("100"));
        Files.createDirectories(dir.resolve("101"));
        Path base = dir.resolve("100/base-100-disk-0.qcow2");
        create(base, List.of(), "6M");
        io(base, "write -P 0x11 0 3m", "write -P 0x12 5m 512k");
        Path clone = dir.resolve("101/vm-101-disk-0.qcow2");
        Qemu.run("qemu-img", "create", "-q", "-f", "qcow2", "-b", "../100/base-100-disk-0.qcow2", "-F", "qcow2",
                clone.toString(), "8M");
        io(clone, "write -P 0x21 1m 4k", "write -z 2m 64k", "write -P 0x22 7m 512k");
        assertSameContent(clone, Optional.empty());
        try (FileChannel ch = FileChannel.open(clone, StandardOpenOption.READ);
                Qcow2Image q = Qcow2Image.open(ch, clone.toString(), resolverIn(clone.getParent()))) {
            assertThat(q.backingFileName()).contains("../100/base-100-disk-0.qcow2");
        }
    }

    @Test
    void extendedL2SubclustersFallThroughToBase() throws IOException {
        Files.createDirectories(dir.resolve("100"));
        Files.createDirectories(dir.resolve("101"));
        Path base = dir.resolve("100/base-100-disk-1.qcow2");
        create(base, List.of(), "4M");
        io(base, "write -P 0x11 0 4m");
        Path clone = dir.resolve("101/vm-101-disk-1.qcow2");
        Qemu.run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=128k", "-b",
                "../100/base-100-disk-1.qcow2", "-F", "qcow2", clone.toString(), "4M");
        io(clone, "write -P 0x21 4k 4k", "write -z 20k 8k", "write -P 0x22 1m 1k");
        assertSameContent(clone, Optional.empty());
    }

    /** The storage's resolver in miniature: only the linked-clone form, relative to the image's directory. */
    static BackingResolver resolverIn(Path imageDir) {
        return name -> Qcow2Validator.isLinkedCloneBase(name)
                ? Optional.of(FileChannel.open(imageDir.resolve(name).normalize(), StandardOpenOption.READ))
                : Optional.empty();
    }

    private static void create(Path image, List<String> options, String size) {
        List<String> argv = new java.util.ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2"));
        argv.addAll(options);
        argv.addAll(List.of(image.toString(), size));
        Qemu.run(argv.toArray(String[]::new));
    }

    static void assertSameContent(Path image, Optional<String> snapshot) throws IOException {
        String expected = Qemu.rawSha(image, snapshot);
        DigestChannel out = new DigestChannel();
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ);
                Qcow2Image q = Qcow2Image.open(ch, image.toString(), resolverIn(image.getParent()))) {
            q.readRaw(snapshot, out, Progress.NONE);
            long size = snapshot.isPresent() ? q.snapshot(snapshot.get()).virtualSize() : q.virtualSize();
            assertThat(out.bytes()).isEqualTo(size);
            // Every image qemu-img made must also pass the import validator.
            Qcow2Validator.Report report = Qcow2Validator.validate(ch, image.toString(), q.virtualSize());
            assertThat(report.backingFileName()).isEqualTo(q.backingFileName());
            assertThat(report.snapshots()).isEqualTo(q.snapshots());
        }
        assertThat(out.hex()).as("raw content of %s %s", image.getFileName(), snapshot).isEqualTo(expected);
    }
}
