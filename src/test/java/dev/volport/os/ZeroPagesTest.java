package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zeros from the memfd hole: the right count, only zeros, into a pipe, a file and a plain stream. */
class ZeroPagesTest {
    @TempDir
    Path tmp;

    /** Into a pipe (sendfile into a pipe is the splice path), across several hole-sized pieces, odd length. */
    @Test
    void pipeGetsExactlyTheZerosAsked() throws Exception {
        assertThat(ZeroPages.spliced()).as("memfd_create works on this kernel").isTrue();
        long count = 3 * ZeroPages.HOLE + 12_345;
        Pipe pipe = Pipe.open();
        CompletableFuture<long[]> reader = CompletableFuture.supplyAsync(() -> {
            long total = 0;
            long nonZero = 0;
            try (InputStream in = Channels.newInputStream(pipe.source())) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    total += n;
                    for (int i = 0; i < n; i++) {
                        nonZero += buf[i] != 0 ? 1 : 0;
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return new long[] {total, nonZero};
        });
        AtomicLong reported = new AtomicLong();
        try (Pipe.SinkChannel sink = pipe.sink()) {
            ZeroPages.write(sink, count, reported::addAndGet);
        }
        assertThat(reader.get()).containsExactly(count, 0);
        assertThat(reported.get()).isEqualTo(count);
    }

    /** Into a file after existing bytes: appended where the channel stands, nothing overwritten. */
    @Test
    void fileChannelGetsZerosAtItsPosition() throws Exception {
        Path f = tmp.resolve("f");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ZeroPages.write(ch, ZeroPages.HOLE + 7, n -> { });
            ch.write(ByteBuffer.wrap(new byte[] {4}));
            assertThat(ch.size()).isEqualTo(3 + ZeroPages.HOLE + 7 + 1);
            ByteBuffer head = ByteBuffer.allocate(5);
            ch.read(head, 0);
            assertThat(head.array()).containsExactly(1, 2, 3, 0, 0);
            ByteBuffer tail = ByteBuffer.allocate(2);
            ch.read(tail, ch.size() - 2);
            assertThat(tail.array()).containsExactly(0, 4);
        }
    }

    /** Into a channel that is not a file descriptor: the JDK's copying fallback still gives only zeros. */
    @Test
    void plainChannelGetsZeros() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ZeroPages.write(Channels.newChannel(bytes), 100_001, n -> { });
        assertThat(bytes.size()).isEqualTo(100_001);
        assertThat(bytes.toByteArray()).containsOnly(0);
        ZeroPages.write(Channels.newChannel(bytes), 0, n -> { });
        assertThat(bytes.size()).isEqualTo(100_001);
    }
}
