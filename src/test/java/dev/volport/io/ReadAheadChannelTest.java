package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReadAheadChannelTest {
    /** A source that hands out at most a random few bytes per read, as a pipe does, and counts its reads. */
    static class Trickle implements ReadableByteChannel {
        final byte[] data;
        final Random random;
        int pos;
        int reads;
        int largest;

        Trickle(byte[] data, long seed) {
            this.data = data;
            this.random = new Random(seed);
        }

        @Override
        public int read(ByteBuffer dst) {
            reads++;
            largest = Math.max(largest, dst.remaining());
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(dst.remaining(), data.length - pos), 1 + random.nextInt(70_000));
            dst.put(data, pos, n);
            pos += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void handsOutTheSourceBytesInOrderForAnyRequestSizes() throws IOException {
        byte[] data = new byte[3 << 20];
        new Random(1).nextBytes(data);
        for (long seed = 0; seed < 20; seed++) {
            Trickle source = new Trickle(data, seed);
            ReadAheadChannel in = new ReadAheadChannel(source, 64 << 10);
            Random asks = new Random(seed + 100);
            byte[] got = new byte[data.length];
            int at = 0;
            while (true) {
                int want = asks.nextInt(5) == 0 ? 200_000 : 1 + asks.nextInt(100);
                ByteBuffer dst = ByteBuffer.allocate(want);
                int n = in.read(dst);
                if (n < 0) {
                    break;
                }
                assertThat(n).isPositive();
                System.arraycopy(dst.array(), 0, got, at, n);
                at += n;
            }
            assertThat(at).isEqualTo(data.length);
            assertThat(got).isEqualTo(data);
            assertThat(in.read(ByteBuffer.allocate(10))).isEqualTo(-1);
        }
    }

    @Test
    void smallRequestsAreServedFromFewLargeReads() throws IOException {
        byte[] data = new byte[1 << 20];
        Trickle source = new Trickle(data, 7) {
            @Override
            public int read(ByteBuffer dst) {
                reads++;
                int n = Math.min(dst.remaining(), data.length - pos);
                if (n == 0) {
                    return -1;
                }
                dst.put(data, pos, n);
                pos += n;
                return n;
            }
        };
        ReadAheadChannel in = new ReadAheadChannel(source, 256 << 10);
        ByteBuffer head = ByteBuffer.allocate(32);
        int total = 0;
        for (int n; (n = in.read(head.clear())) > 0; ) {
            total += n;
        }
        assertThat(total).isEqualTo(data.length);
        assertThat(source.reads).isEqualTo(4 + 1); // four buffers of 256 KiB, then the end
    }

    @Test
    void aRequestAsLargeAsTheBufferGoesStraightToTheSource() throws IOException {
        Trickle source = new Trickle(new byte[1 << 20], 3);
        ReadAheadChannel in = new ReadAheadChannel(source, 64 << 10);
        in.read(ByteBuffer.allocate(128 << 10));
        assertThat(source.largest).isEqualTo(128 << 10);
        assertThat(in.read(ByteBuffer.allocate(0))).isZero();
    }
}
