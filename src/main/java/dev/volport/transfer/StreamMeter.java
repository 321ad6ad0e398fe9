package dev.volport.transfer;

import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.RateLimiter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;

/**
 * The importer's end of the pipe as the runner hands it over: paced by the rate limiter, counted into the
 * transfer's progress, and able to fail with the runner's reason once the runner has cut the stream off.
 *
 * <p>Progress starts when the first 8 bytes have passed: for {@code raw+size} they are the size header, so the
 * total is known (header plus body) without asking the source; other formats show bytes without a total.
 *
 * <p>Used by the importer's thread only, except {@link #cutOff}, which the runner calls from its own thread
 * before it closes the pipe, so that a read failing on the closed pipe reports why it was closed.
 */
final class StreamMeter implements ReadableByteChannel {
    private final ReadableByteChannel in;
    private final Progress progress;
    private final String label;
    private final StreamFormat format;
    private final ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private volatile String cutOff;
    private volatile long bytes;
    private boolean started;

    StreamMeter(ReadableByteChannel pipe, RateLimiter limiter, Progress progress, String label,
            StreamFormat format) {
        this.in = limiter.limit(pipe);
        this.progress = progress;
        this.label = label;
        this.format = format;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        String reason = cutOff;
        if (reason != null) {
            throw new IOException(reason);
        }
        int start = dst.position();
        int n;
        try {
            n = in.read(dst);
        } catch (IOException e) {
            String why = cutOff;
            if (why != null) {
                throw new IOException(why, e);
            }
            throw e;
        }
        if (n > 0) {
            count(dst, start, n);
        }
        return n;
    }

    private void count(ByteBuffer dst, int start, int n) {
        bytes += n;
        if (!started) {
            for (int i = 0; i < n && header.hasRemaining(); i++) {
                header.put(dst.get(start + i));
            }
            if (header.hasRemaining()) {
                return; // progress starts once the first 8 bytes are known
            }
            long total = format == StreamFormat.RAW_SIZE && header.getLong(0) >= 0 ? 8 + header.getLong(0) : -1;
            progress.start(label, total);
            started = true;
            progress.advance(bytes);
            return;
        }
        progress.advance(n);
    }

    /** Ends the progress display; starts it first if the stream never reached 8 bytes. Once, after the import. */
    void finish() {
        if (!started) {
            progress.start(label, -1);
            if (bytes > 0) {
                progress.advance(bytes);
            }
        }
        progress.finish();
    }

    /** From now on reads fail with {@code reason} (the pipe is about to be closed by the runner). */
    void cutOff(String reason) {
        cutOff = reason;
    }

    /** Bytes read so far. */
    long bytes() {
        return bytes;
    }

    @Override
    public boolean isOpen() {
        return in.isOpen() && cutOff == null;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
