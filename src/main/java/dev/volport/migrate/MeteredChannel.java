package dev.volport.migrate;

import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.RateLimiter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;

/**
 * The sender's end of a remote migration's stream: paced by the bandwidth limit and counted into the sender's
 * progress. Progress starts once the first 8 bytes are written: for {@code raw+size} they are the size header, so
 * the total (and with it the ETA) is known. Closing it does not close the channel underneath.
 */
final class MeteredChannel implements WritableByteChannel {
    private final WritableByteChannel out;
    private final Progress progress;
    private final String label;
    private final StreamFormat format;
    private final ByteBuffer header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
    private volatile long bytes;
    private boolean started;
    private boolean open = true;

    MeteredChannel(WritableByteChannel out, RateLimiter limiter, Progress progress, String label,
            StreamFormat format) {
        this.out = limiter.limit(out);
        this.progress = progress;
        this.label = label;
        this.format = format;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        int start = src.position();
        int n = out.write(src);
        if (n > 0) {
            bytes += n;
            if (started) {
                progress.advance(n);
            } else {
                for (int i = 0; i < n && header.hasRemaining(); i++) {
                    header.put(src.get(start + i));
                }
                if (!header.hasRemaining()) {
                    long size = header.getLong(0);
                    progress.start(label, format == StreamFormat.RAW_SIZE && size >= 0 ? 8 + size : -1);
                    started = true;
                    progress.advance(bytes);
                }
            }
        }
        return n;
    }

    long bytes() {
        return bytes;
    }

    /** Ends the progress display (starting it first when fewer than 8 bytes went out). */
    void finish() {
        if (!started) {
            progress.start(label, -1);
            progress.advance(bytes);
        }
        progress.finish();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
