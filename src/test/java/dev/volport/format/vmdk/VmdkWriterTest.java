package dev.volport.format.vmdk;

import static dev.volport.format.vmdk.QemuTool.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import dev.volport.testing.DigestChannel;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VmdkWriter} output checked by {@code qemu-img check/compare/info} and read back by {@link VmdkImage}. */
class VmdkWriterTest {
    @TempDir
    Path tmp;

    private Path convert(byte[] data, String name) throws IOException {
        Path vmdk = tmp.resolve(name);
        try (FileChannel out = FileChannel.open(vmdk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            long written = VmdkWriter.convert(Channels.newChannel(new ByteArrayInputStream(data)), data.length, out,
                    Progress.NONE);
            assertThat(written % (64 * 1024)).isZero();
        }
        return vmdk;
    }

    @ParameterizedTest
    @ValueSource(ints = {512, 65536, 3 << 20, (3 << 20) + 777, (33 << 20) + 4096, 1})
    void convertedImagesAreCleanAndEqualToTheirSource(int size) throws IOException {
        byte[] data = VmdkFixtures.sparseData(size, size);
        data[size - 1] = 1;
        Files.write(tmp.resolve("src.raw"), data);
        Path vmdk = convert(data, "out.vmdk");
        QemuTool.Result check = ok(tmp, "qemu-img", "check", "-f", "vmdk", "out.vmdk");
        assertThat(check.out()).contains("No errors");
        assertThat(ok(tmp, "qemu-img", "compare", "-f", "raw", "-F", "vmdk", "src.raw", "out.vmdk").out())
                .contains("identical");
        long rounded = Math.ceilDiv(size, 512) * 512L;
        assertThat(ok(tmp, "qemu-img", "info", "-f", "vmdk", "--output=json", "out.vmdk").out())
                .contains("\"virtual-size\": " + rounded);
        byte[] padded = Arrays.copyOf(data, (int) rounded);
        DigestChannel sink = new DigestChannel();
        try (FileChannel ch = FileChannel.open(vmdk); VmdkImage image = VmdkImage.open(ch, "out")) {
            image.readRaw(sink, Progress.NONE);
            VmdkValidator.validate(ch, "out", rounded);
        }
        assertThat(sink.hex()).isEqualTo(VmdkFixtures.sha256(padded));
    }

    @Test
    void allZeroInputWritesNoGrain() throws IOException {
        Path vmdk = convert(new byte[4 << 20], "zero.vmdk");
        try (FileChannel ch = FileChannel.open(vmdk)) {
            assertThat(VmdkValidator.validate(ch, "zero", 4 << 20).dataGrains()).isZero();
            assertThat(ch.size()).isEqualTo(VmdkWriter.header(4 << 20).overHead() * 512);
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 20, 1L << 30, (1L << 30) + 512, 100L << 30})
    void createMatchesQemuInfo(long size) throws IOException {
        Path vmdk = tmp.resolve("c.vmdk");
        try (FileChannel out = FileChannel.open(vmdk, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            VmdkWriter.create(out, size, "c.vmdk");
        }
        assertThat(ok(tmp, "qemu-img", "info", "-f", "vmdk", "--output=json", "c.vmdk").out())
                .contains("\"virtual-size\": " + size);
        assertThat(ok(tmp, "qemu-img", "check", "-f", "vmdk", "c.vmdk").out()).contains("No errors");
        try (FileChannel ch = FileChannel.open(vmdk)) {
            VmdkValidator.Summary s = VmdkValidator.validate(ch, "c", size);
            assertThat(s.dataGrains()).isZero();
            assertThat(s.subformat()).isEqualTo(Subformat.MONOLITHIC_SPARSE);
        }
    }

    @Test
    void createLaysOutLikeQemu() throws IOException {
        ok(tmp, "qemu-img", "create", "-f", "vmdk", "q.vmdk", "64M");
        Path ours = tmp.resolve("o.vmdk");
        try (FileChannel out = FileChannel.open(ours, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            VmdkWriter.create(out, 64 << 20);
        }
        try (FileChannel q = FileChannel.open(tmp.resolve("q.vmdk")); FileChannel o = FileChannel.open(ours);
                VmdkImage qi = VmdkImage.open(q, "q"); VmdkImage oi = VmdkImage.open(o, "o")) {
            assertThat(oi.header()).isEqualTo(qi.header());
            assertThat(o.size()).isEqualTo(q.size());
        }
    }

    @Test
    void shortAndLongStreamsAndBadSizesAreRejected() throws IOException {
        byte[] data = new byte[100_000];
        try (FileChannel out = FileChannel.open(tmp.resolve("a.vmdk"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> VmdkWriter.convert(Channels.newChannel(new ByteArrayInputStream(data)),
                    200_000, out, Progress.NONE)).isInstanceOf(FormatException.class).hasMessageContaining("ended");
        }
        try (FileChannel out = FileChannel.open(tmp.resolve("b.vmdk"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> VmdkWriter.convert(Channels.newChannel(new ByteArrayInputStream(data)),
                    50_000, out, Progress.NONE)).isInstanceOf(FormatException.class).hasMessageContaining("goes on");
        }
        try (FileChannel out = FileChannel.open(tmp.resolve("c.vmdk"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            assertThatThrownBy(() -> VmdkWriter.create(out, 0)).isInstanceOf(FormatException.class);
            assertThatThrownBy(() -> VmdkWriter.create(out, (2L << 40) + 1)).isInstanceOf(FormatException.class)
                    .hasMessageContaining("above the VMDK limit of 2199023255552 bytes");
            assertThatThrownBy(() -> VmdkWriter.create(out, 1 << 20, "../x.vmdk"))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
