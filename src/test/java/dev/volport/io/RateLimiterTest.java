package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock that only moves when the limiter sleeps (or the test lets time pass). */
class RateLimiterTest {
    private static final long MS = 1_000_000L;
    private long now = 1_000_000_000L;
    private final List<Long> sleeps = new ArrayList<>();

    private RateLimiter limiter(long bytesPerSecond) {
        return RateLimiter.of(bytesPerSecond, () -> now, nanos -> {
            sleeps.add(nanos);
            now += nanos;
        });
    }

    @Test
    void zeroIsUnlimitedAndHandsTheChannelBack() throws Exception {
        RateLimiter unlimited = RateLimiter.of(0);
        ReadableByteChannel in = Channels.newChannel(new ByteArrayInputStream(new byte[10]));
        WritableByteChannel out = Channels.newChannel(new ByteArrayOutputStream());
        assertThat(unlimited.limit(in)).isSameAs(in);
        assertThat(unlimited.limit(out)).isSameAs(out);
        assertThat(unlimited.unlimited()).isTrue();
        unlimited.acquire(1L << 40); // returns at once, or the test would hang
    }

    @Test
    void averageRateHoldsOverSeconds() throws Exception {
        RateLimiter l = limiter(1 << 20);
        long start = now;
        for (int i = 0; i < 4 * 16; i++) {
            l.acquire(64 * 1024); // 4 MiB in 64 KiB steps
        }
        assertThat((double) (now - start) / 1e9).isCloseTo(4.0, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void oddSizesAddUpExactly() throws Exception {
        RateLimiter l = limiter(1000);
        long start = now;
        for (int i = 0; i < 3000; i++) {
            l.acquire(1 + (i % 3)); // 6000 bytes at 1000 bytes/s
        }
        assertThat((now - start) / MS).isBetween(5999L, 6001L);
    }

    @Test
    void shortWaitsAreCarriedOverNotSlept() throws Exception {
        RateLimiter l = limiter(1 << 30); // 1 GiB/s: 4 KiB is ~4 µs
        for (int i = 0; i < 1000; i++) {
            l.acquire(4096);
        }
        assertThat(sleeps).isNotEmpty().allMatch(n -> n >= RateLimiter.MIN_SLEEP_MICROS * 1000);
        assertThat((double) (now - 1_000_000_000L) / 1e9).isCloseTo(4096e3 / (1 << 30),
                org.assertj.core.data.Offset.offset(0.0006));
    }

    @Test
    void idleTimeBuysAtMostHalfOfTheBurst() throws Exception {
        RateLimiter l = limiter(1 << 20);
        l.acquire(1024);
        now += 10_000 * MS; // ten idle seconds
        long start = now;
        l.acquire(1 << 20); // one second's worth right after the pause
        long took = now - start;
        assertThat(took).as("credit from the pause")
                .isGreaterThanOrEqualTo(1000 * MS - RateLimiter.BURST_MILLIS / 2 * MS)
                .isLessThanOrEqualTo(1000 * MS);
    }

    @Test
    void channelReadsAreCutToHalfABurstSoSleepsStayShort() throws Exception {
        RateLimiter l = limiter(1 << 20);
        ReadableByteChannel in = l.limit(Channels.newChannel(new ByteArrayInputStream(new byte[1 << 20])));
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long start = now;
        int reads = 0;
        while (buf.hasRemaining()) {
            int n = in.read(buf);
            assertThat(n).isPositive().isLessThanOrEqualTo((1 << 20) / 20);
            reads++;
        }
        assertThat(reads).isGreaterThanOrEqualTo(20);
        assertThat(sleeps).allMatch(n -> n <= 60 * MS);
        assertThat((now - start) / MS).isBetween(990L, 1001L);
        assertThat(buf.limit()).isEqualTo(1 << 20); // the caller's limit is restored
    }

    @Test
    void channelWritesArePacedToo() throws Exception {
        RateLimiter l = limiter(100_000);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        WritableByteChannel out = l.limit(Channels.newChannel(sink));
        ByteBuffer data = ByteBuffer.allocate(300_000);
        long start = now;
        while (data.hasRemaining()) {
            out.write(data);
        }
        assertThat(sink.size()).isEqualTo(300_000);
        assertThat((now - start) / MS).isBetween(2999L, 3001L);
    }

    @Test
    void anInterruptedWaitFailsAndKeepsTheInterrupt() {
        RateLimiter l = RateLimiter.of(1024, () -> now, nanos -> {
            throw new InterruptedException();
        });
        try {
            assertThatThrownBy(() -> l.acquire(1 << 20)).isInstanceOf(InterruptedIOException.class)
                    .hasMessageContaining("bandwidth limit");
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void negativeRatesAreRefused() {
        assertThatThrownBy(() -> RateLimiter.of(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
