package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** Loops the JDK leaves to the caller: read until a buffer is full or the stream ends, write all of a buffer. */
public final class ChannelIo {
    private ChannelIo() {
    }

    /**
     * Reads until {@code buf} has no room left or the stream ends.
     *
     * @return the number of bytes read; less than the room only at end of stream
     */
    public static int readFully(ReadableByteChannel in, ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Writes all remaining bytes of {@code buf}. */
    public static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }
}
