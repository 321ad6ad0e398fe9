package dev.volport.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The 8-byte header of the {@code *+size} stream formats: an unsigned 64-bit little-endian byte count
 * ({@code pack("Q<", size)} in the reference). volport refuses values of 2^63 and above, which no volume has.
 */
public final class SizeHeader {
    /** Length of the header on the wire. */
    public static final int BYTES = 8;

    private SizeHeader() {
    }

    /** The header bytes for {@code size}. */
    public static ByteBuffer encode(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be non-negative: " + size);
        }
        return ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, size);
    }

    /** Writes the header for {@code size} completely. */
    public static void write(WritableByteChannel out, long size) throws IOException {
        ChannelIo.writeFully(out, encode(size));
    }

    /**
     * Reads exactly 8 bytes and decodes them.
     *
     * @throws EOFException when the stream ends before 8 bytes: the exporting side failed before it sent data
     * @throws IOException when the value is 2^63 or more
     */
    public static long read(ReadableByteChannel in) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int got = ChannelIo.readFully(in, buf);
        if (got < BYTES) {
            throw new EOFException("no size found in export header (got " + got + " of 8 bytes):"
                    + " the export failed before sending data");
        }
        long size = buf.getLong(0);
        if (size < 0) {
            throw new IOException("size header " + Long.toUnsignedString(size) + " is beyond 2^63-1 bytes");
        }
        return size;
    }
}
