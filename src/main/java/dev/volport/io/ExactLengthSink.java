package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Passes events on to another sink while counting them, and holds the producer to an exact total: an event that
 * would carry the image past {@code size} is refused before any of it reaches the sink, and {@link #finish} with
 * fewer bytes is an error. Wrapped around an encoder it makes "exactly {@code size} bytes follow the header" a
 * property of the pipeline rather than of each reader.
 */
public final class ExactLengthSink implements ExtentSink {
    private final ExtentSink next;
    private final long size;
    private final String what;
    private long position;

    /**
     * @param size the exact number of bytes the events must add up to, at least 0
     * @param what the image or stream the events describe, for messages ({@code "qcow2 image local:100/…"})
     */
    public ExactLengthSink(ExtentSink next, long size, String what) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be non-negative: " + size);
        }
        this.next = next;
        this.size = size;
        this.what = what;
    }

    /** Bytes passed on so far: the logical offset of the next event. */
    public long position() {
        return position;
    }

    /** The total the events must reach. */
    public long size() {
        return size;
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        advance(length);
        next.data(file, offset, length);
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        advance(buf.remaining());
        next.bytes(buf);
    }

    @Override
    public void zeros(long length) throws IOException {
        advance(length);
        next.zeros(length);
    }

    @Override
    public void finish() throws IOException {
        if (position != size) {
            throw new ExtentException(what + ": the image ended after " + position + " of its " + size + " bytes");
        }
        next.finish();
    }

    private void advance(long length) throws ExtentException {
        if (length < 0) {
            throw new IllegalArgumentException("negative extent length " + length);
        }
        if (length > size - position) {
            throw new ExtentException(what + ": the image goes on past its " + size + " bytes (an extent of "
                    + length + " bytes at offset " + position + ")");
        }
        position += length;
    }
}
