package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads its source in large reads and hands the bytes out in whatever pieces the caller asks for: a record parser
 * that asks for a 32-byte header, then its payload, then the next header would otherwise make a system call for each
 * (and, on a pipe, take the bytes in the small portions the writer happened to put in). A request at least as large
 * as the buffer, made while the buffer is empty, is read straight into the caller's buffer.
 *
 * <p>It reads ahead: bytes of the source past what the caller took are consumed. Use it only where the caller reads
 * the source to its end, or nothing after it. Closing it closes the source.
 */
public final class ReadAheadChannel implements ReadableByteChannel {
    private final ReadableByteChannel source;
    /** Unread bytes are {@code [position, limit)}. */
    private final ByteBuffer buffer;

    public ReadAheadChannel(ReadableByteChannel source, int bufferBytes) {
        this.source = source;
        this.buffer = ByteBuffer.allocateDirect(bufferBytes).flip();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (!buffer.hasRemaining()) {
            if (dst.remaining() >= buffer.capacity()) {
                return source.read(dst);
            }
            buffer.clear();
            int n;
            try {
                n = source.read(buffer);
            } finally {
                buffer.flip();
            }
            if (n <= 0) {
                return n;
            }
        }
        int k = Math.min(dst.remaining(), buffer.remaining());
        int at = buffer.position();
        dst.put(buffer.slice(at, k));
        buffer.position(at + k);
        return k;
    }

    @Override
    public boolean isOpen() {
        return source.isOpen();
    }

    @Override
    public void close() throws IOException {
        source.close();
    }
}
