package dev.volport.format.raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SparseRawImporterTest {
    @TempDir
    Path tmp;

    private static byte[] image(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        // data in some 4 KiB blocks, zeros in the others, and a non-zero last byte when there is room
        for (int off = 0; off < size; off += 4096) {
            if (r.nextInt(3) == 0) {
                for (int i = off; i < Math.min(size, off + 4096); i++) {
                    b[i] = (byte) r.nextInt();
                }
            }
        }
        if (size > 0) {
            b[size - 1] = 7;
        }
        return b;
    }

    private byte[] exportThenImport(byte[] data) throws IOException {
        Path src = Files.write(tmp.resolve("src.raw"), data);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(src); LinuxCalls.Extents ext = Linux.system().extents(src)) {
            RawSizeExporter.export(ch, ext, data.length, Channels.newChannel(stream), Progress.NONE, "src.raw");
        }
        byte[] wire = stream.toByteArray();
        assertThat(wire).hasSize(data.length + 8);
        var in = Channels.newChannel(new ByteArrayInputStream(wire));
        long size = SizeHeader.read(in);
        Path dst = tmp.resolve("dst.raw");
        try (RandomAccessFile raf = new RandomAccessFile(dst.toFile(), "rw")) {
            raf.setLength(size);
            new SparseRawImporter().copy(in, size, raf.getChannel(), Progress.NONE);
        }
        return Files.readAllBytes(dst);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 511, 4096, 4097, (1 << 20) + 1, 3 * (1 << 20) + 12345})
    void roundTripsExactly(int size) throws IOException {
        byte[] data = image(size, size);
        assertThat(exportThenImport(data)).isEqualTo(data);
    }

    @Test
    void exportOfASparseFileCarriesItsHolesAsZeros() throws IOException {
        Path src = tmp.resolve("sparse.raw");
        int size = (9 << 20) + 333;
        try (RandomAccessFile raf = new RandomAccessFile(src.toFile(), "rw")) {
            raf.setLength(size);
            raf.seek(3 << 20);
            raf.write(new byte[] {1, 2, 3});
            raf.seek(size - 2);
            raf.write(new byte[] {9, 9});
        }
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        try (FileChannel ch = FileChannel.open(src); LinuxCalls.Extents ext = Linux.system().extents(src)) {
            RawSizeExporter.export(ch, ext, size, Channels.newChannel(stream), Progress.NONE, "src.raw");
        }
        byte[] wire = stream.toByteArray();
        assertThat(wire).hasSize(size + 8);
        assertThat(Arrays.copyOfRange(wire, 8, wire.length)).isEqualTo(Files.readAllBytes(src));
    }

    @Test
    void zeroBlocksBecomeHoles() throws IOException {
        byte[] data = new byte[8 << 20];
        Arrays.fill(data, 0, 4096, (byte) 1);
        Arrays.fill(data, (4 << 20), (4 << 20) + 10, (byte) 2);
        Path src = Files.write(tmp.resolve("in"), data);
        Path dst = tmp.resolve("out");
        long written;
        try (FileChannel in = FileChannel.open(src);
             RandomAccessFile raf = new RandomAccessFile(dst.toFile(), "rw")) {
            raf.setLength(data.length);
            written = new SparseRawImporter().copy(in, data.length, raf.getChannel(), Progress.NONE);
        }
        assertThat(written).isEqualTo(2 * 4096);
        assertThat(Files.readAllBytes(dst)).isEqualTo(data);
        assertThat(Linux.system().allocatedBytes(dst)).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void truncatedBodyIsAnError() {
        byte[] body = new byte[1000];
        assertThatThrownBy(() -> copy(body, 1001)).isInstanceOf(FormatException.class)
                .hasMessageContaining("stream ended after 1000 of 1001 bytes");
    }

    @Test
    void bytesBeyondTheSizeAreAnError() {
        byte[] body = new byte[1001];
        assertThatThrownBy(() -> copy(body, 1000)).isInstanceOf(FormatException.class)
                .hasMessageContaining("goes on past the 1000 bytes");
    }

    private void copy(byte[] body, long size) throws IOException {
        Path dst = tmp.resolve("t");
        try (FileChannel out = FileChannel.open(dst, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            new SparseRawImporter().copy(Channels.newChannel(new ByteArrayInputStream(body)), size, out,
                    Progress.NONE);
        }
    }
}
