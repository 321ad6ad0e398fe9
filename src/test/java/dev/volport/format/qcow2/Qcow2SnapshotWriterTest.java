package dev.volport.format.qcow2;

import static dev.volport.format.qcow2.Qemu.img;
import static dev.volport.format.qcow2.Qemu.io;
import static dev.volport.format.qcow2.Qemu.rawSha;
import static dev.volport.format.qcow2.SnapshotOracle.assertClean;
import static dev.volport.format.qcow2.SnapshotOracle.create;
import static dev.volport.format.qcow2.SnapshotOracle.on;
import static dev.volport.format.qcow2.SnapshotOracle.qemuTags;
import static dev.volport.format.qcow2.SnapshotOracle.volportSha;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshots written by {@link Qcow2Snapshots}, judged by qemu-img: {@code check} finds no error and no leak,
 * {@code snapshot -l} lists them, {@code convert -l snapshot.name=} and {@code compare} see the content each
 * snapshot had when it was taken, after the current state was changed by {@code qemu-io}.
 */
class Qcow2SnapshotWriterTest {
    @TempDir
    Path dir;

    /** Writes of patterns at cluster-aligned, unaligned and far places (images of at least 4 MiB). */
    private static final String[] WRITES = {
        "write -P 0x11 0 64k", "write -P 0x22 1000k 3k", "write -P 0x33 300k 200k", "write -P 0x44 3m 1m",
    };

    /** The change made after a snapshot: it overwrites the first cluster that every image has written. */
    private static final String CHANGE = "write -P 0xab 0 64k";

    static Stream<Arguments> qemuImages() {
        return Stream.of(
                Arguments.of("v3-64k", List.of()),
                Arguments.of("v2", List.of("-o", "compat=0.10")),
                Arguments.of("v3-512", List.of("-o", "cluster_size=512")),
                Arguments.of("v3-4k", List.of("-o", "cluster_size=4096")),
                Arguments.of("v3-2M", List.of("-o", "cluster_size=2M")),
                Arguments.of("refcount-2", List.of("-o", "refcount_bits=2")),
                Arguments.of("refcount-8", List.of("-o", "refcount_bits=8")),
                Arguments.of("refcount-32", List.of("-o", "refcount_bits=32")),
                Arguments.of("refcount-64", List.of("-o", "refcount_bits=64")),
                Arguments.of("extended-l2", List.of("-o", "extended_l2=on,cluster_size=128k")),
                Arguments.of("prealloc-metadata", List.of("-o", "preallocation=metadata")),
                Arguments.of("lazy-refcounts", List.of("-o", "lazy_refcounts=on")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuImages")
    void createOnQemuImagesKeepsTheContentOfThatMoment(String name, List<String> options) throws IOException {
        Path image = qemuImage(name, options, "6M");
        io(image, WRITES);
        String before = rawSha(image, Optional.empty());

        Qcow2Snapshot s = create(image, "before");

        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("before");
        assertThat(s.id()).isEqualTo("1");
        io(image, CHANGE);
        assertClean(image);
        assertThat(rawSha(image, Optional.of("before"))).isEqualTo(before);
        assertThat(rawSha(image, Optional.empty())).isNotEqualTo(before);
        assertThat(volportSha(image, Optional.of("before"))).isEqualTo(before);
    }

    @Test
    void createOnAVolportImage() throws IOException {
        Path image = dir.resolve("volport.qcow2");
        byte[] raw = new byte[5 << 20];
        new Random(7).nextBytes(raw);
        java.util.Arrays.fill(raw, 1 << 20, 3 << 20, (byte) 0);
        SnapshotOracle.volportImage(image, raw);
        String before = SnapshotOracle.sha(raw);

        create(image, "first");
        io(image, CHANGE, "write -P 0xcd 2m 64k");
        create(image, "second");

        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("first", "second");
        assertThat(rawSha(image, Optional.of("first"))).isEqualTo(before);
        assertThat(volportSha(image, Optional.of("first"))).isEqualTo(before);
        assertThat(volportSha(image, Optional.of("second"))).isEqualTo(rawSha(image, Optional.empty()));
        assertThat(on(image, Qcow2Snapshots::list)).extracting(Qcow2Snapshot::name, Qcow2Snapshot::id)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("first", "1"),
                        org.assertj.core.groups.Tuple.tuple("second", "2"));
    }

    @Test
    void createNextToAQemuSnapshotThenDeleteTheQemuOne() throws IOException {
        Path image = qemuImage("mixed", List.of(), "4M");
        io(image, WRITES);
        img("snapshot", "-c", "by-qemu", image.toString());
        io(image, CHANGE);
        String atVolportSnapshot = rawSha(image, Optional.empty());

        create(image, "by-volport");
        io(image, "write -P 0x77 0 128k");
        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("by-qemu", "by-volport");
        assertThat(on(image, Qcow2Snapshots::list).get(1).id()).isEqualTo("2");

        on(image, s -> s.delete("by-qemu"));

        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("by-volport");
        assertThat(rawSha(image, Optional.of("by-volport"))).isEqualTo(atVolportSnapshot);
    }

    @Test
    void createOnACompressedImage() throws IOException {
        Path source = qemuImage("plain", List.of(), "4M");
        io(source, WRITES);
        Path image = dir.resolve("compressed.qcow2");
        img("convert", "-c", "-O", "qcow2", source.toString(), image.toString());
        String before = rawSha(image, Optional.empty());

        create(image, "packed");
        io(image, CHANGE, "write -P 0x5a 3m 8k");

        assertClean(image);
        assertThat(rawSha(image, Optional.of("packed"))).isEqualTo(before);
        assertThat(volportSha(image, Optional.of("packed"))).isEqualTo(before);
        on(image, s -> s.delete("packed"));
        assertClean(image);
        assertThat(qemuTags(image)).isEmpty();
    }

    @Test
    void createOnZeroClustersWithAndWithoutHostOffsets() throws IOException {
        Path image = qemuImage("zeros", List.of("-o", "preallocation=metadata"), "4M");
        io(image, "write -P 0x66 0 1m", "write -z 128k 128k", "write -z -u 2m 1m");
        String before = rawSha(image, Optional.empty());

        create(image, "z");
        io(image, "write -P 0x99 128k 64k", "write -P 0x98 2m 64k");

        assertClean(image);
        assertThat(rawSha(image, Optional.of("z"))).isEqualTo(before);
    }

    @Test
    void deleteFreesWhatOnlyTheSnapshotUsedWithoutLeaks() throws IOException {
        Path image = qemuImage("delete", List.of(), "4M");
        io(image, WRITES);
        create(image, "gone");
        io(image, CHANGE);
        String current = rawSha(image, Optional.empty());

        Qcow2Snapshot deleted = on(image, s -> s.delete("gone"));

        assertThat(deleted.name()).isEqualTo("gone");
        assertClean(image);
        assertThat(qemuTags(image)).isEmpty();
        assertThat(SnapshotOracle.headerField(image, 60, 4)).isZero();
        assertThat(rawSha(image, Optional.empty())).isEqualTo(current);
        // The clusters only the snapshot used are free space now, which QEMU's next allocation takes.
        long length = Files.size(image);
        io(image, "write -P 0x12 2m 64k");
        assertThat(Files.size(image)).isEqualTo(length);
        assertClean(image);
    }

    @Test
    void revertMakesTheCurrentStateTheSnapshotsContent() throws IOException {
        Path image = qemuImage("revert", List.of(), "4M");
        io(image, WRITES);
        Path saved = dir.resolve("saved.raw");
        img("convert", "-O", "raw", image.toString(), saved.toString());
        create(image, "good");
        io(image, CHANGE, "write -P 0xef 2m 1m");

        Qcow2Snapshot reverted = on(image, s -> s.revert("good"));

        assertThat(reverted.name()).isEqualTo("good");
        assertClean(image);
        img("compare", "-f", "qcow2", "-F", "raw", image.toString(), saved.toString());
        assertThat(qemuTags(image)).containsExactly("good");
        // The snapshot stays usable: change again, revert again.
        io(image, "write -P 0x31 0 4m");
        on(image, s -> s.revert("good"));
        assertClean(image);
        img("compare", "-f", "qcow2", "-F", "raw", image.toString(), saved.toString());
    }

    @Test
    void qemuRevertsToAndDeletesWhatVolportCreated() throws IOException {
        Path image = qemuImage("interop", List.of("-o", "cluster_size=4k"), "4M");
        io(image, WRITES);
        String before = rawSha(image, Optional.empty());
        create(image, "ours");
        io(image, CHANGE, "write -P 0x61 3m 512k");

        img("snapshot", "-a", "ours", image.toString());
        assertClean(image);
        assertThat(rawSha(image, Optional.empty())).isEqualTo(before);
        io(image, "write -P 0x62 1m 64k");
        img("snapshot", "-d", "ours", image.toString());
        assertClean(image);
        assertThat(qemuTags(image)).isEmpty();
    }

    @Test
    void revertToASnapshotOfAnotherSizeRestoresThatSize() throws IOException {
        Path image = qemuImage("resized", List.of(), "4M");
        io(image, WRITES);
        String small = rawSha(image, Optional.empty());
        create(image, "small");
        img("resize", image.toString(), "9M");
        io(image, "write -P 0x42 8m 64k");

        on(image, s -> s.revert("small"));

        assertClean(image);
        assertThat(SnapshotOracle.headerField(image, 24, 8)).isEqualTo(4L << 20);
        assertThat(rawSha(image, Optional.empty())).isEqualTo(small);
    }

    @Test
    void aFullRefcountTableIsRelocated() throws IOException {
        // 512-byte clusters and 16-bit refcounts: one table cluster covers 64 blocks of 256 clusters, 8 MiB.
        Path image = qemuImage("full-table", List.of("-o", "cluster_size=512"), "4M");
        io(image, WRITES);
        assertThat(SnapshotOracle.headerField(image, 56, 4)).isEqualTo(1);
        long oldTable = SnapshotOracle.headerField(image, 48, 8);
        // Free space up to the end of what the table covers: the next cluster needs a 65th entry.
        try (var ch = java.nio.channels.FileChannel.open(image, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.allocate(1), (8L << 20) - 1);
        }
        assertClean(image);
        String before = rawSha(image, Optional.empty());

        create(image, "moved");

        assertClean(image);
        assertThat(SnapshotOracle.headerField(image, 48, 8)).isNotEqualTo(oldTable);
        assertThat(SnapshotOracle.headerField(image, 56, 4)).isGreaterThan(1);
        io(image, CHANGE);
        assertThat(rawSha(image, Optional.of("moved"))).isEqualTo(before);
        on(image, s -> s.delete("moved"));
        assertClean(image);
    }

    @Test
    void sizeZeroImage() throws IOException {
        Path image = qemuImage("empty", List.of(), "0");
        create(image, "nothing");
        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("nothing");
        on(image, s -> s.revert("nothing"));
        assertClean(image);
        on(image, s -> s.delete("nothing"));
        assertClean(image);
    }

    @Test
    void namesAndIds() throws IOException {
        Path image = qemuImage("ids", List.of(), "1M");
        List<String> ids = new ArrayList<>();
        ids.add(on(image, s -> s.create("a", SnapshotOracle.NOW)).id());
        ids.add(on(image, s -> s.create("B-2_x", Optional.of("77"), SnapshotOracle.NOW)).id());
        ids.add(on(image, s -> s.create("c", SnapshotOracle.NOW)).id());
        assertThat(ids).containsExactly("1", "77", "78");
        // A name is found before an id: "77" is nobody's name, so it means the id.
        assertThat(on(image, s -> s.delete("77")).name()).isEqualTo("B-2_x");
        assertThat(on(image, s -> s.delete("a")).id()).isEqualTo("1");
        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("c");
        Qcow2Snapshot c = on(image, Qcow2Snapshots::list).getFirst();
        assertThat(c.date()).isEqualTo(SnapshotOracle.NOW);
        assertThat(c.vmStateSize()).isZero();
        assertThat(c.virtualSize()).isEqualTo(1L << 20);
    }

    private Path qemuImage(String name, List<String> options, String size) {
        Path image = dir.resolve(name + ".qcow2");
        List<String> argv = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        argv.addAll(options);
        argv.add(image.toString());
        argv.add(size);
        img(argv.toArray(String[]::new));
        return image;
    }
}
