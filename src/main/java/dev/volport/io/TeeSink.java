package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Hands every event to two sinks in turn, {@code first} then {@code second}: how an observer (a content digest,
 * a counter) rides along with the sink that writes the output. Each sink sees the buffer of a {@link #bytes} event
 * with the caller's position and limit; a {@link #data} range is handed to both as it is, so a sink that needs its
 * bytes reads them itself (positional reads leave the other sink's use undisturbed). An exception from
 * {@code first} means {@code second} never sees that event.
 */
public final class TeeSink implements ExtentSink {
    private final ExtentSink first;
    private final ExtentSink second;

    public TeeSink(ExtentSink first, ExtentSink second) {
        this.first = first;
        this.second = second;
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        first.data(file, offset, length);
        second.data(file, offset, length);
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        int start = buf.position();
        first.bytes(buf);
        buf.position(start);
        second.bytes(buf);
    }

    @Override
    public void zeros(long length) throws IOException {
        first.zeros(length);
        second.zeros(length);
    }

    /** Finishes {@code first}, then {@code second}; a failure of the first skips the second. */
    @Override
    public void finish() throws IOException {
        first.finish();
        second.finish();
    }
}
