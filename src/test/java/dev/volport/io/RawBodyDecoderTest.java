package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The import side of the pipeline: a raw stream body becomes bytes and zeros events, and exactly its size. */
class RawBodyDecoderTest {
    /** Records events as "b:LENGTH" and "z:LENGTH", and whether finish came. */
    private static final class Recorder implements ExtentSink {
        final List<String> events = new ArrayList<>();
        boolean finished;

        @Override
        public void data(FileChannel file, long offset, long length) {
            events.add("d:" + length);
        }

        @Override
        public void bytes(ByteBuffer buf) {
            events.add("b:" + buf.remaining());
            buf.position(buf.limit());
        }

        @Override
        public void zeros(long length) {
            events.add("z:" + length);
        }

        @Override
        public void finish() {
            finished = true;
        }
    }

    private static ReadableByteChannel in(byte[] b) {
        return Channels.newChannel(new ByteArrayInputStream(b));
    }

    @Test
    void zeroBlocksBecomeZerosAndTheRunsBetweenThemOneBytesEventEach() throws IOException {
        int block = RawBodyDecoder.BLOCK;
        byte[] body = new byte[RawBodyDecoder.BUFFER + 3 * block + 100];
        body[0] = 1;                      // block 0: data
        body[block + 5] = 1;              // block 1: data, merged with block 0
        // blocks 2..(BUFFER/block - 2) zero
        body[RawBodyDecoder.BUFFER - 1] = 1;  // the buffer's last block: data
        body[body.length - 1] = 1;        // the short last block of the second read: data
        Recorder r = new Recorder();
        new RawBodyDecoder().read(in(body), body.length, r, Progress.NONE);
        int zeroBlocks = RawBodyDecoder.BUFFER / block - 3;
        // The second read starts with zero blocks: a zero run across reads comes as two events, which is allowed.
        assertThat(r.events).containsExactly("b:" + 2 * block, "z:" + (long) zeroBlocks * block, "b:" + block,
                "z:" + 3 * block, "b:100");
        assertThat(r.finished).isTrue();
    }

    @Test
    void aShortStreamIsRefusedAndTheSinkIsNotFinished() {
        Recorder r = new Recorder();
        assertThatThrownBy(() -> new RawBodyDecoder().read(in(new byte[1000]), 1001, r, Progress.NONE))
                .isInstanceOf(ExtentException.class)
                .hasMessage("raw stream ended after 1000 of 1001 bytes announced by its size header (truncated)");
        assertThat(r.finished).isFalse();
    }

    @Test
    void aLongStreamIsRefusedAndTheSinkIsNotFinished() {
        Recorder r = new Recorder();
        assertThatThrownBy(() -> new RawBodyDecoder().read(in(new byte[1001]), 1000, r, Progress.NONE))
                .isInstanceOf(ExtentException.class)
                .hasMessage("raw stream goes on past the 1000 bytes announced by its size header");
        assertThat(r.finished).isFalse();
    }

    @Test
    void readToEndEmitsEverythingUpToItsLimit() throws IOException {
        Recorder r = new Recorder();
        byte[] body = new byte[10_000];
        body[9999] = 3;
        assertThat(new RawBodyDecoder().readToEnd(in(body), 10_000, r, Progress.NONE)).isEqualTo(10_000);
        assertThat(r.events).containsExactly("z:8192", "b:1808");
        assertThat(r.finished).isTrue();
        assertThatThrownBy(() -> new RawBodyDecoder().readToEnd(in(body), 9999, new Recorder(), Progress.NONE))
                .isInstanceOf(ExtentException.class).hasMessageContaining("goes on past 9999 bytes");
    }
}
