package dev.volport.format.raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import dev.volport.io.ExtentSink;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RawSizeExporterTest {
    @TempDir
    Path tmp;

    /** Records the events: "D offset length" for data, "Z length" for zeros, and the image they make. */
    static final class Events implements ExtentSink {
        final List<String> log = new ArrayList<>();
        final byte[] image;
        int pos;
        boolean finished;

        Events(int size) {
            image = new byte[size];
        }

        @Override
        public void data(FileChannel file, long offset, long length) throws IOException {
            log.add("D " + offset + " " + length);
            ByteBuffer b = ByteBuffer.wrap(image, pos, (int) length);
            while (b.hasRemaining()) {
                if (file.read(b, offset + b.position() - pos) < 0) {
                    throw new IOException("short file");
                }
            }
            pos += (int) length;
        }

        @Override
        public void bytes(ByteBuffer buf) {
            throw new AssertionError("a raw file is read as data and zeros");
        }

        @Override
        public void zeros(long length) {
            if (length > 0) {
                log.add("Z " + length);
            }
            pos += (int) length;
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    /** A sparse file of {@code size} bytes: 64 KiB of data every {@code every} bytes, from {@code first}. */
    private static byte[] sparse(Path file, int size, int first, int every) throws IOException {
        byte[] expected = new byte[size];
        Random r = new Random(5);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            for (int at = first; at < size; at += every) {
                byte[] block = new byte[Math.min(64 << 10, size - at)];
                r.nextBytes(block);
                f.seek(at);
                f.write(block);
                System.arraycopy(block, 0, expected, at, block.length);
            }
        }
        return expected;
    }

    @Test
    void aSparseFileWithManyExtentsIsReadExtentByExtentInOrder() throws IOException {
        // 640 extents of 64 KiB, 256 KiB apart: 40 MiB of data, more than the scan runs ahead of the reader
        int size = 640 * (256 << 10);
        Path file = tmp.resolve("disk.raw");
        byte[] expected = sparse(file, size, 128 << 10, 256 << 10);
        Events events = new Events(size);
        try (FileChannel ch = FileChannel.open(file); LinuxCalls.Extents ext = Linux.system().extents(file)) {
            RawSizeExporter.read(ch, ext, size, events);
        }
        assertThat(events.finished).isTrue();
        assertThat(events.image).isEqualTo(expected);
        List<String> want = new ArrayList<>();
        for (long at = 128 << 10; at < size; at += 256 << 10) {
            want.add("Z " + (at == 128 << 10 ? 128 << 10 : 192 << 10));
            want.add("D " + at + " " + (64 << 10));
        }
        want.add("Z " + (64 << 10)); // after the last extent, to the end
        assertThat(events.log).isEqualTo(want);
    }

    @Test
    void aFileThatStartsWithDataAndEndsInAHoleAndADeclaredSizeBeyondIt() throws IOException {
        Path file = tmp.resolve("disk.raw");
        byte[] expected = sparse(file, 4 << 20, 0, 1 << 20);
        Events events = new Events(4 << 20);
        try (FileChannel ch = FileChannel.open(file); LinuxCalls.Extents ext = Linux.system().extents(file)) {
            RawSizeExporter.read(ch, ext, 4 << 20, events);
        }
        assertThat(events.image).isEqualTo(expected);
        assertThat(events.log.getFirst()).isEqualTo("D 0 65536");
        assertThat(events.log).hasSize(8);
    }

    @Test
    void aFileShorterThanItsSizeIsRefusedBeforeItsMissingEndGoesOutAsZeros() throws IOException {
        Path file = tmp.resolve("disk.raw");
        sparse(file, 2 << 20, 0, 1 << 20);
        Events events = new Events(4 << 20);
        try (FileChannel ch = FileChannel.open(file); LinuxCalls.Extents ext = Linux.system().extents(file)) {
            assertThatThrownBy(() -> RawSizeExporter.read(ch, ext, 4 << 20, events))
                    .isInstanceOf(FormatException.class)
                    .hasMessage("image ended at byte 2097152 of 4194304 during export (the file shrank)");
        }
        assertThat(events.finished).isFalse();
        assertThat(events.pos).isLessThan(2 << 20);
    }
}
