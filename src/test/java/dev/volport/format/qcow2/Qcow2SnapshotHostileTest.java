package dev.volport.format.qcow2;

import static dev.volport.format.qcow2.Qemu.img;
import static dev.volport.format.qcow2.Qemu.io;
import static dev.volport.format.qcow2.Qemu.rawSha;
import static dev.volport.format.qcow2.SnapshotOracle.assertClean;
import static dev.volport.format.qcow2.SnapshotOracle.bytes;
import static dev.volport.format.qcow2.SnapshotOracle.create;
import static dev.volport.format.qcow2.SnapshotOracle.on;
import static dev.volport.format.qcow2.SnapshotOracle.qemuTags;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@link Qcow2Snapshots} refuses, with which message, leaving the file byte for byte as it was; and what a
 * crash at every write of an operation leaves behind.
 */
class Qcow2SnapshotHostileTest {
    @TempDir
    Path dir;

    @Test
    void dirtyBitIsRefused() throws IOException {
        Path image = image("dirty", List.of());
        SnapshotOracle.setIncompatible(image, Qcow2Header.INCOMPAT_DIRTY);
        assertRefused(image, s -> s.create("s", SnapshotOracle.NOW), "qcow2 image dirty.qcow2: dirty bit set"
                + " (refcounts may be stale after an unclean close); repair it with qemu-img check -r all before"
                + " changing snapshots");
    }

    @Test
    void corruptBitIsRefused() throws IOException {
        Path image = image("corrupt", List.of());
        SnapshotOracle.setIncompatible(image, Qcow2Header.INCOMPAT_CORRUPT);
        assertRefused(image, s -> s.create("s", SnapshotOracle.NOW), "qcow2 header of corrupt.qcow2: marked"
                + " corrupt (incompatible bit 1); repair it with qemu-img check -r all first");
    }

    @Test
    void aUsedNameIsRefused() throws IOException {
        Path image = image("twice", List.of());
        create(image, "s");
        assertRefused(image, s -> s.create("s", SnapshotOracle.NOW),
                "qcow2 image twice.qcow2: a snapshot named 's' exists already (id 1)");
        assertRefused(image, s -> s.create("t", Optional.of("1"), SnapshotOracle.NOW),
                "qcow2 image twice.qcow2: snapshot id '1' is used already (by 's')");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "with space", "a/b", "ümlaut", "x23456789012345678901234567890123456789012"})
    void invalidNamesAreRefused(String name) throws IOException {
        Path image = image("names", List.of());
        assertRefused(image, s -> s.create(name, SnapshotOracle.NOW), "qcow2 image names.qcow2: invalid snapshot"
                + " name '" + name + "': expected ^[a-z0-9_\\-]{1,40}$ (case-insensitive)");
    }

    @Test
    void aMissingSnapshotIsNamed() throws IOException {
        Path image = image("missing", List.of());
        create(image, "here");
        String message = "qcow2 image missing.qcow2: no snapshot 'nope' (neither a name nor an id of its 1"
                + " snapshots)";
        assertRefused(image, s -> s.delete("nope"), message);
        assertRefused(image, s -> s.revert("nope"), message);
    }

    @Test
    void anAmbiguousNameIsRefusedButItsIdsWork() throws IOException {
        Path image = image("ambiguous", List.of());
        img("snapshot", "-c", "same", image.toString());
        img("snapshot", "-c", "same", image.toString());
        assertRefused(image, s -> s.delete("same"), "qcow2 image ambiguous.qcow2: several snapshots are named"
                + " 'same' (ids 1, 2); give the id instead");
        on(image, s -> s.delete("2"));
        assertClean(image);
        assertThat(qemuTags(image)).containsExactly("same");
    }

    @Test
    void oneBitRefcountsCannotShareAndAreRefused() throws IOException {
        Path image = image("one-bit", List.of("-o", "refcount_bits=1"));
        assertRefused(image, s -> s.create("s", SnapshotOracle.NOW), "refcount would exceed 1, the most a 1-bit"
                + " refcount holds (refcount_order 0)");
    }

    @Test
    void persistentBitmapsAreRefused() throws IOException {
        Path image = image("bitmaps", List.of());
        img("bitmap", "--add", image.toString(), "b0");
        assertRefused(image, s -> s.create("s", SnapshotOracle.NOW), "qcow2 image bitmaps.qcow2: has 1 persistent"
                + " dirty bitmap(s), which volport does not update; remove them (qemu-img bitmap --remove) before"
                + " changing snapshots");
    }

    @Test
    void aRefcountTableThatWouldPassItsLimitIsRefused() throws IOException {
        // 512-byte clusters and 64-bit refcounts: a block covers 32 KiB, the largest table (8 MiB) 32 GiB.
        Path image = image("limit", List.of("-o", "cluster_size=512,refcount_bits=64"));
        byte[] before = bytes(image);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1), (32L << 30) - 1);
        }
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> new Qcow2Snapshots(ch, "limit.qcow2").create("s", SnapshotOracle.NOW))
                    .isInstanceOf(FormatException.class)
                    .hasMessageStartingWith("qcow2 image limit.qcow2: the refcount table is full (64 entries for"
                            + " 2097152 bytes of file) and cannot grow past 8388608 bytes");
            assertThat(ch.size()).isEqualTo(32L << 30);
            ByteBuffer start = ByteBuffer.allocate(before.length);
            ch.read(start, 0);
            assertThat(start.array()).isEqualTo(before);
        }
    }

    @Test
    void aReadOnlyChannelIsTheCallersMistake() throws IOException {
        Path image = image("read-only", List.of());
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> new Qcow2Snapshots(ch, "ro").create("s", SnapshotOracle.NOW))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("the image channel must be open for writing");
        }
    }

    /** The operation run at every crash point. */
    enum Operation { CREATE, DELETE, REVERT }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(Operation.class)
    void aCrashAtAnyWriteLeavesTheOldStateWithoutLeaks(Operation op) throws IOException {
        Path base = image("base", List.of("-o", "cluster_size=4k"));
        img("snapshot", "-c", "old", base.toString());
        io(base, "write -P 0x99 0 8k", "write -P 0x98 1m 4k");
        List<String> old = state(base);
        int writes = 0;
        while (true) {
            Path image = dir.resolve("crash-" + writes + ".qcow2");
            Files.copy(base, image, StandardCopyOption.REPLACE_EXISTING);
            boolean crashed;
            try (CrashingChannel ch = new CrashingChannel(FileChannel.open(image, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), writes)) {
                Qcow2Snapshots s = new Qcow2Snapshots(ch, "crash");
                try {
                    switch (op) {
                        case CREATE -> s.create("new", SnapshotOracle.NOW);
                        case DELETE -> s.delete("old");
                        case REVERT -> s.revert("old");
                    }
                } catch (IOException e) {
                    assertThat(ch.crashed()).as("failed without a crash: %s", e.getMessage()).isTrue();
                }
                crashed = ch.crashed();
            }
            assertClean(image);
            List<String> now = state(image);
            if (!crashed) {
                assertThat(now).isNotEqualTo(old);
                assertThat(writes).isGreaterThan(3);
                return;
            }
            assertThat(now).as("after a crash at write %d", writes).isEqualTo(old);
            Files.delete(image);
            writes++;
        }
    }

    /** Tags, active content and every snapshot's content, as qemu-img sees them. */
    private static List<String> state(Path image) throws IOException {
        List<String> out = new ArrayList<>(qemuTags(image));
        out.add(rawSha(image, Optional.empty()));
        for (String tag : qemuTags(image)) {
            out.add(rawSha(image, Optional.of(tag)));
        }
        return out;
    }

    private void assertRefused(Path image, SnapshotOracle.Op<?> op, String message) throws IOException {
        byte[] before = bytes(image);
        assertThatThrownBy(() -> on(image, op)).isInstanceOf(FormatException.class).hasMessageContaining(message);
        assertThat(bytes(image)).isEqualTo(before);
    }

    private Path image(String name, List<String> options) {
        Path image = dir.resolve(name + ".qcow2");
        List<String> argv = new ArrayList<>(List.of("create", "-q", "-f", "qcow2"));
        argv.addAll(options);
        argv.add(image.toString());
        argv.add("2M");
        img(argv.toArray(String[]::new));
        io(image, "write -P 0x21 0 64k", "write -P 0x22 1m 64k");
        return image;
    }
}
