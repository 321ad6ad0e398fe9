package dev.volport.format.qcow2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.io.ExtentException;
import dev.volport.io.ExtentSink;
import dev.volport.io.WritebackHint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The qcow2 writer as a sink of the extent pipeline, judged by qemu-img. */
class Qcow2ConvertSinkTest {
    @TempDir
    Path tmp;

    @Test
    void eventsInAnyPiecesBuildTheImageQemuReads() throws IOException {
        int cs = Qcow2Writer.CLUSTER_SIZE;
        long size = 5L * cs + 1000;
        byte[] raw = new byte[(int) size];
        Random r = new Random(5);
        Path image = tmp.resolve("out.qcow2");
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            ExtentSink sink = Qcow2Writer.sink(out, size, WritebackHint.NONE);
            // 4 KiB of data at the start of cluster 0, then zeros to the middle of cluster 2, then data across
            // clusters 2-3 in one event, then zeros, then the last 1000 bytes (a partial cluster).
            emit(sink, raw, 0, 4096, r);
            sink.zeros(2L * cs + 100 - 4096);
            emit(sink, raw, 2 * cs + 100, cs + 50, r);
            sink.zeros(size - 1000 - (3L * cs + 150));
            emit(sink, raw, (int) size - 1000, 1000, r);
            sink.finish();
        }
        Path expected = Files.write(tmp.resolve("expected.raw"), raw);
        Qemu.img("check", "-q", "-f", "qcow2", image.toString());
        Qemu.img("compare", "-q", "-f", "raw", "-F", "qcow2", expected.toString(), image.toString());
        assertThat(Qemu.rawSha(image, Optional.empty())).isEqualTo(Qemu.sha(padded(expected, 512)));
        // header, refcount table, refcount block, 4 data clusters, L2, L1: only clusters that got bytes are mapped.
        assertThat(Files.size(image)).isEqualTo(9L * cs);
    }

    @Test
    void moreBytesThanTheSizeAreRefused() throws IOException {
        Path image = tmp.resolve("long.qcow2");
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ExtentSink sink = Qcow2Writer.sink(out, 4096, WritebackHint.NONE);
            sink.zeros(4000);
            assertThatThrownBy(() -> sink.bytes(ByteBuffer.allocate(97))).isInstanceOf(ExtentException.class)
                    .hasMessageContaining("goes on past its 4096 bytes");
        }
    }

    private static void emit(ExtentSink sink, byte[] raw, int at, int length, Random r) throws IOException {
        byte[] b = new byte[length];
        r.nextBytes(b);
        b[0] = 1;
        System.arraycopy(b, 0, raw, at, length);
        sink.bytes(ByteBuffer.wrap(b));
    }

    /** {@code file} extended with zeros to a multiple of {@code unit}, as qcow2 stores the size. */
    private static Path padded(Path file, int unit) throws IOException {
        long size = Files.size(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long to = (size + unit - 1) / unit * unit;
            if (to > size) {
                ch.write(ByteBuffer.allocate(1), to - 1);
            }
        }
        return file;
    }
}
