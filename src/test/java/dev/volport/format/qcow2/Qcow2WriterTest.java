package dev.volport.format.qcow2;

import dev.volport.testing.DigestChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The writer's output checked by qemu-img: {@code check} clean, {@code compare} equal, {@code info} size. */
class Qcow2WriterTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Qcow2Writer.Preallocation.class)
    void createdImagesAreCleanAndSized(Qcow2Writer.Preallocation prealloc) throws IOException {
        long requested = (5L << 20) + 700;
        long size = Qcow2Writer.sectorAligned(requested);
        assertThat(size).isEqualTo((5L << 20) + 1024);
        Path image = dir.resolve("new-" + prealloc + ".qcow2");
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Qcow2Writer.create(out, requested, prealloc);
        }
        assertCheckClean(image);
        assertThat(Qemu.run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString()))
                .contains("\"virtual-size\": " + size);
        assertThat(Qemu.rawSha(image, Optional.empty())).isEqualTo(zeroSha(size));
        Qcow2ReaderOracleTest.assertSameContent(image, Optional.empty());
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Qcow2Validator.validate(ch, image.toString(), size);
        }
    }

    @Test
    void createdEmptyImageMatchesQemuImgLayout() throws IOException {
        Path ours = dir.resolve("ours.qcow2");
        Path theirs = dir.resolve("theirs.qcow2");
        try (FileChannel out = FileChannel.open(ours, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Qcow2Writer.create(out, 1L << 30, Qcow2Writer.Preallocation.OFF);
        }
        Qemu.img("create", "-q", "-f", "qcow2", theirs.toString(), "1G");
        assertThat(Files.size(ours)).isEqualTo(Files.size(theirs)).isEqualTo(196624);
        try (FileChannel a = FileChannel.open(ours); FileChannel b = FileChannel.open(theirs)) {
            Qcow2Header ha = Qcow2Header.parse(read(a, 4096), a.size());
            Qcow2Header hb = Qcow2Header.parse(read(b, 4096), b.size());
            assertThat(ha.l1TableOffset()).isEqualTo(hb.l1TableOffset());
            assertThat(ha.refcountTableOffset()).isEqualTo(hb.refcountTableOffset());
            assertThat(ha.l1Size()).isEqualTo(hb.l1Size());
        }
    }

    /** Size 0, created and converted, has the layout of {@code qemu-img create -f qcow2 F 0}: no L1 table. */
    @Test
    void zeroSizeImagesMatchQemuImg() throws IOException {
        Path theirs = dir.resolve("theirs0.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", theirs.toString(), "0");
        Path created = dir.resolve("created0.qcow2");
        Path converted = dir.resolve("converted0.qcow2");
        try (FileChannel out = FileChannel.open(created, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Qcow2Writer.create(out, 0, Qcow2Writer.Preallocation.METADATA);
        }
        try (FileChannel out = FileChannel.open(converted, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(new byte[0])), 0, out,
                    Progress.NONE);
        }
        for (Path ours : List.of(created, converted)) {
            assertCheckClean(ours);
            Qemu.run("qemu-img", "compare", "-q", "-f", "qcow2", "-F", "qcow2", theirs.toString(), ours.toString());
            assertThat(Files.size(ours)).as(ours.toString()).isEqualTo(Files.size(theirs));
            try (FileChannel a = FileChannel.open(ours); FileChannel b = FileChannel.open(theirs)) {
                Qcow2Header ha = Qcow2Header.parse(read(a, 4096), a.size());
                Qcow2Header hb = Qcow2Header.parse(read(b, 4096), b.size());
                assertThat(ha.size()).isZero();
                assertThat(List.of(ha.l1Size(), ha.l1TableOffset(), ha.refcountTableOffset()))
                        .isEqualTo(List.of(hb.l1Size(), hb.l1TableOffset(), hb.refcountTableOffset()));
                Qcow2Validator.validate(a, ours.toString(), 0);
            }
        }
    }

    /** Exactly 2 PiB is written (qemu-img's limit too); one sector more is a FormatException naming both. */
    @Test
    void sizeLimitIsQemuImgsAndRefusedAboveIt() throws IOException {
        Path image = dir.resolve("max.qcow2");
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            Qcow2Writer.create(out, Qcow2Writer.MAX_VIRTUAL_SIZE, Qcow2Writer.Preallocation.OFF);
        }
        assertCheckClean(image);
        assertThat(Qemu.run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString()))
                .contains("\"virtual-size\": " + Qcow2Writer.MAX_VIRTUAL_SIZE);
        Path over = dir.resolve("over.qcow2");
        assertThat(Qemu.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", over.toString(),
                Long.toString(Qcow2Writer.MAX_VIRTUAL_SIZE + 512))).exit()).isNotZero();
        try (FileChannel out = FileChannel.open(over, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> Qcow2Writer.create(out, Qcow2Writer.MAX_VIRTUAL_SIZE + 1,
                    Qcow2Writer.Preallocation.OFF)).isInstanceOf(FormatException.class)
                    .hasMessage("size 2251799813685249 bytes is above the qcow2 limit of 2251799813685248 bytes"
                            + " (2 PiB: a 32 MiB L1 table of 64 KiB clusters)");
            assertThatThrownBy(() -> Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(
                    new byte[0])), Qcow2Writer.MAX_VIRTUAL_SIZE + 1, out, Progress.NONE))
                    .isInstanceOf(FormatException.class).hasMessageContaining("above the qcow2 limit");
            assertThat(out.size()).isZero();
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 512, 65536, 65537, 3 * 65536 + 1000, (9L << 20) + 4608})
    void convertedSparseDataComparesEqual(long size) throws IOException {
        Random random = new Random(size);
        byte[] raw = new byte[(int) size];
        // Sparse: a few runs of random bytes, some single bytes, the last byte.
        for (int run = 0; run < 6; run++) {
            int at = random.nextInt((int) size);
            int len = Math.min((int) size - at, random.nextInt(200_000));
            for (int k = 0; k < len; k++) {
                raw[at + k] = (byte) random.nextInt();
            }
        }
        raw[(int) size - 1] = 7;
        convertAndCompare(raw);
    }

    @Test
    void convertsAllZerosAndAllData() throws IOException {
        convertAndCompare(new byte[3 << 20]);
        byte[] full = new byte[(2 << 20) + 100];
        new Random(1).nextBytes(full);
        convertAndCompare(full);
    }

    @Test
    void convertRefusesShortAndLongStreams() throws IOException {
        Path image = dir.resolve("short.qcow2");
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(
                    new byte[1000])), 1001, out, Progress.NONE))
                    .isInstanceOf(FormatException.class).hasMessageContaining("ended after 1000 of 1001");
            assertThatThrownBy(() -> Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(
                    new byte[1000])), 999, out, Progress.NONE))
                    .isInstanceOf(FormatException.class).hasMessageContaining("goes on past the 999 bytes");
        }
    }

    private void convertAndCompare(byte[] raw) throws IOException {
        Path rawFile = dir.resolve("in-" + raw.length + ".raw");
        Files.write(rawFile, raw);
        Path image = dir.resolve("out-" + raw.length + ".qcow2");
        long length;
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            length = Qcow2Writer.convert(Channels.newChannel(new java.io.ByteArrayInputStream(raw)), raw.length, out,
                    Progress.NONE);
        }
        assertThat(Files.size(image)).isEqualTo(length);
        assertCheckClean(image);
        Qemu.run("qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", rawFile.toString(), image.toString());
        long stored = Qcow2Writer.sectorAligned(raw.length);
        assertThat(Qemu.run("qemu-img", "info", "--output=json", "-f", "qcow2", image.toString()))
                .contains("\"virtual-size\": " + stored);
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.READ)) {
            Qcow2Validator.validate(ch, image.toString(), stored);
        }
        Qcow2ReaderOracleTest.assertSameContent(image, Optional.empty());
    }

    private static final Pattern CHECK_COUNT = Pattern.compile("\"(corruptions|leaks|check-errors)\": (\\d+)");

    /** {@code qemu-img check}: exit 0 and no corruptions, leaks or check errors in its JSON. */
    static void assertCheckClean(Path image) {
        Qemu.Result r = Qemu.exec(List.of("qemu-img", "check", "--output=json", "-f", "qcow2", image.toString()));
        assertThat(r.exit()).as("qemu-img check exit code; output: %s", r.output()).isZero();
        Matcher m = CHECK_COUNT.matcher(r.output());
        while (m.find()) {
            assertThat(Integer.parseInt(m.group(2))).as("%s in %s", m.group(1), r.output()).isZero();
        }
        assertThat(r.output()).contains("\"check-errors\": 0");
    }

    private static String zeroSha(long size) throws IOException {
        DigestChannel d = new DigestChannel();
        ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
        for (long done = 0; done < size; ) {
            int n = (int) Math.min(zeros.capacity(), size - done);
            d.write(zeros.clear().limit(n));
            done += n;
        }
        return d.hex();
    }

    private static ByteBuffer read(FileChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        ch.read(b, 0);
        return b.flip();
    }
}
