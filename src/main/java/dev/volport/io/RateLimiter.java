package dev.volport.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.function.LongSupplier;

/**
 * A token bucket in bytes per second, for a copy loop ({@link #acquire}) or a channel ({@link #limit}).
 *
 * <p>Bytes are paid for after they moved: {@link #acquire} books them and sleeps until the booked bytes fit the
 * rate, so over any stretch of seconds the average stays at the rate, whatever the sizes of single reads. Bursts
 * stay within {@value #BURST_MILLIS} ms worth of bytes: credit saved while the stream was idle is capped at half of
 * that, and the channel wrappers cut each read or write to the other half (so one large buffer also turns into many
 * short sleeps rather than one long one). Waits shorter than {@value #MIN_SLEEP_MICROS} µs are not
 * slept but carried over to the next call: no busy-waiting, and no sleep calls that cost more than they wait.
 *
 * <p>Thread-safe: one limiter may be shared by several streams, which then share its rate.
 */
public final class RateLimiter {
    /** The largest burst, in milliseconds of the rate: idle credit plus one step of the channel wrappers. */
    public static final int BURST_MILLIS = 100;
    /** Shorter waits are carried over instead of slept. */
    static final long MIN_SLEEP_MICROS = 500;
    /** The smallest step the channel wrappers cut reads and writes to, however low the rate. */
    static final int MIN_STEP = 512;

    /** Sleeps for a number of nanoseconds; throws when interrupted. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    /** A limiter that never waits. */
    public static final RateLimiter UNLIMITED = new RateLimiter(0, System::nanoTime, RateLimiter::sleepNanos);

    private final long bytesPerSecond;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final long burstNanos;
    private final int step;
    /** Clock time at which every byte booked so far has been paid for; guarded by {@code this}. */
    private long paidUntil;
    private boolean started;

    private RateLimiter(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("rate must be 0 (unlimited) or positive: " + bytesPerSecond);
        }
        this.bytesPerSecond = bytesPerSecond;
        this.clock = clock;
        this.sleeper = sleeper;
        this.burstNanos = BURST_MILLIS * 1_000_000L / 2;
        long perStep = bytesPerSecond / (2000 / BURST_MILLIS);
        this.step = (int) Math.clamp(perStep, MIN_STEP, Integer.MAX_VALUE);
    }

    /** A limiter of {@code bytesPerSecond} on the system clock; 0 means unlimited. */
    public static RateLimiter of(long bytesPerSecond) {
        return bytesPerSecond == 0 ? UNLIMITED : new RateLimiter(bytesPerSecond, System::nanoTime,
                RateLimiter::sleepNanos);
    }

    /** A limiter on a given clock (nanoseconds, like {@link System#nanoTime}) and sleeper, for tests. */
    public static RateLimiter of(long bytesPerSecond, LongSupplier clock, Sleeper sleeper) {
        return new RateLimiter(bytesPerSecond, clock, sleeper);
    }

    /** The rate in bytes per second; 0 when unlimited. */
    public long bytesPerSecond() {
        return bytesPerSecond;
    }

    public boolean unlimited() {
        return bytesPerSecond == 0;
    }

    /**
     * Books {@code bytes} that just moved and sleeps as long as the rate requires.
     *
     * @throws InterruptedIOException when the thread is interrupted while it waits; the interrupt status is set
     *                                again, so that callers further up see it too
     */
    public void acquire(long bytes) throws InterruptedIOException {
        if (bytesPerSecond == 0 || bytes <= 0) {
            return;
        }
        long wait;
        synchronized (this) {
            long now = clock.getAsLong();
            if (!started) {
                paidUntil = now; // an empty bucket at the start: the first bytes are paid for like all others
                started = true;
            } else if (paidUntil < now - burstNanos) {
                paidUntil = now - burstNanos; // idle credit is capped at one burst
            }
            paidUntil += nanosFor(bytes);
            wait = paidUntil - now;
        }
        if (wait >= MIN_SLEEP_MICROS * 1000) {
            try {
                sleeper.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the bandwidth limit");
            }
        }
    }

    private long nanosFor(long bytes) {
        double nanos = Math.ceil(bytes * 1e9 / bytesPerSecond);
        return nanos >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 4 : (long) nanos;
    }

    /** {@code in} with its reads paced to this rate; {@code in} itself when unlimited. Closing closes {@code in}. */
    public ReadableByteChannel limit(ReadableByteChannel in) {
        if (unlimited()) {
            return in;
        }
        return new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                int limit = dst.limit();
                dst.limit(dst.position() + Math.min(dst.remaining(), step));
                int n;
                try {
                    n = in.read(dst);
                } finally {
                    dst.limit(limit);
                }
                acquire(n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return in.isOpen();
            }

            @Override
            public void close() throws IOException {
                in.close();
            }
        };
    }

    /** {@code out} with its writes paced to this rate; {@code out} itself when unlimited. */
    public WritableByteChannel limit(WritableByteChannel out) {
        if (unlimited()) {
            return out;
        }
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int limit = src.limit();
                src.limit(src.position() + Math.min(src.remaining(), step));
                int n;
                try {
                    n = out.write(src);
                } finally {
                    src.limit(limit);
                }
                acquire(n);
                return n;
            }

            @Override
            public boolean isOpen() {
                return out.isOpen();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
    }

    @Override
    public String toString() {
        return unlimited() ? "unlimited" : bytesPerSecond + " bytes/s";
    }
}
