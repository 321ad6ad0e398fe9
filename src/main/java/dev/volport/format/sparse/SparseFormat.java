package dev.volport.format.sparse;

import dev.volport.format.FormatException;
import dev.volport.io.ChannelIo;
import dev.volport.io.ContentDigest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/**
 * The wire layout of {@code raw+sparse} versions 1 and 2 ({@code docs/formats.md}): the constants, the limits, and
 * the 32-byte stream header. All integers are little-endian. The versions differ only in the content digest their end
 * record carries ({@link ContentDigest.Version}); volport writes version 2 and reads both.
 *
 * <pre>
 * header   0  8  magic "VPSPARSE"
 *          8  4  u32 version (2; 1 is read)
 *         12  4  u32 flags (none defined: a reader refuses any set bit)
 *         16  8  u64 virtual size in bytes, below 2^63
 *         24  4  u32 reserved, 0
 *         28  4  u32 CRC32C of bytes 0-27
 * record   0  1  type: 'D' data, 'C' zstd-compressed data, 'Z' zero run, 'E' end
 *          1  3  reserved, 0
 *          4  4  u32 stored: payload bytes after this header
 *          8  8  u64 offset in the image
 *         16  8  u64 length in the image
 *         24  4  u32 CRC32C of the payload as sent (0 when there is none)
 *         28  4  u32 CRC32C of bytes 0-27 of this record header
 * </pre>
 */
public final class SparseFormat {
    /** The first 8 bytes of every stream. */
    static final byte[] MAGIC = {'V', 'P', 'S', 'P', 'A', 'R', 'S', 'E'};
    /** The version this code writes. */
    public static final int VERSION = 2;
    /** The oldest version this code reads. */
    public static final int OLDEST = 1;
    /** Bytes of the stream header. */
    public static final int HEADER_BYTES = 32;
    /** Bytes of a record header. */
    public static final int RECORD_BYTES = 32;
    /** Most image bytes one data or compressed record carries; also bounds the decoder's buffers. */
    public static final int MAX_DATA = 4 << 20;
    /** Largest virtual size: sizes travel as signed 64-bit values in the JDK. */
    public static final long MAX_SIZE = Long.MAX_VALUE;
    /** Payload of the end record: u64 record count, then the 32-byte content digest. */
    public static final int END_PAYLOAD = 40;

    static final byte DATA = 'D';
    static final byte COMPRESSED = 'C';
    static final byte ZERO = 'Z';
    static final byte END = 'E';

    private SparseFormat() {
    }

    /**
     * What a stream header says.
     *
     * @param version the stream's version, {@link #OLDEST} to {@link #VERSION}
     * @param size    the image's virtual size in bytes
     */
    public record Header(int version, long size) {
        /** The content digest the end record of such a stream carries. */
        public ContentDigest.Version digest() {
            return version == 1 ? ContentDigest.Version.V1 : ContentDigest.Version.V2;
        }
    }

    /**
     * Writes the stream header for an image of {@code size} bytes.
     *
     * @throws IllegalArgumentException for a negative size
     */
    public static void writeHeader(WritableByteChannel out, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putInt(0).putLong(size).putInt(0);
        b.putInt(crc(b.array(), 0, 28));
        ChannelIo.writeFully(out, b.flip());
    }

    /**
     * Reads and checks the stream header.
     *
     * @return the stream's version and the image's virtual size
     * @throws FormatException for a short header, another magic (not a {@code raw+sparse} stream), another version,
     *                         unknown flags, a reserved field that is not 0, a bad checksum or a size of 2^63 or more
     */
    public static Header readHeader(ReadableByteChannel in) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int got = ChannelIo.readFully(in, b);
        if (got < HEADER_BYTES) {
            throw new FormatException("raw+sparse stream ended after " + got + " of the " + HEADER_BYTES
                    + " bytes of its header" + (got == 0 ? " (the export failed before sending data?)" : ""));
        }
        byte[] a = b.array();
        if (!java.util.Arrays.equals(a, 0, 8, MAGIC, 0, 8)) {
            throw new FormatException("not a raw+sparse stream: it starts with "
                    + java.util.HexFormat.ofDelimiter(" ").formatHex(a, 0, 8) + " instead of \"VPSPARSE\"");
        }
        int stored = b.getInt(28);
        if (crc(a, 0, 28) != stored) {
            throw new FormatException("raw+sparse header is corrupt (its CRC32C does not match)");
        }
        int version = b.getInt(8);
        if (version < OLDEST || version > VERSION) {
            throw new FormatException("raw+sparse version " + Integer.toUnsignedString(version)
                    + " is not supported (this volport reads versions " + OLDEST + " to " + VERSION
                    + "; export with --format raw+size, or update volport on this host)");
        }
        int flags = b.getInt(12);
        if (flags != 0) {
            throw new FormatException(String.format("raw+sparse header has unknown flags 0x%x", flags));
        }
        if (b.getInt(24) != 0) {
            throw new FormatException("raw+sparse header: reserved field is not 0");
        }
        long size = b.getLong(16);
        if (size < 0) {
            throw new FormatException("raw+sparse header: virtual size " + Long.toUnsignedString(size)
                    + " is 2^63 bytes or more");
        }
        return new Header(version, size);
    }

    /** CRC32C of {@code a[from, to)}. */
    static int crc(byte[] a, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(a, from, to - from);
        return (int) c.getValue();
    }

    /** CRC32C of the remaining bytes of {@code buf}; its position is left unchanged. */
    static int crc(ByteBuffer buf) {
        CRC32C c = new CRC32C();
        c.update(buf.duplicate());
        return (int) c.getValue();
    }

    /** The record type's name in messages. */
    static String typeName(byte type) {
        return switch (type) {
            case DATA -> "data";
            case COMPRESSED -> "compressed data";
            case ZERO -> "zero";
            case END -> "end";
            default -> String.format("unknown (0x%02x)", type & 0xff);
        };
    }
}
