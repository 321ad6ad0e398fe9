package dev.volport.format.sparse;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * Builds {@code raw+sparse} streams byte by byte for hostile tests, independently of the encoder: every field is
 * the caller's, checksums are right unless the caller asks for a wrong one.
 */
final class StreamBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static int crc(byte[] a, int from, int len) {
        CRC32C c = new CRC32C();
        c.update(a, from, len);
        return (int) c.getValue();
    }

    StreamBuilder header(long size) {
        return header(size, SparseFormat.VERSION, 0);
    }

    StreamBuilder header(long size, int version, int flags) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.put("VPSPARSE".getBytes()).putInt(version).putInt(flags).putLong(size).putInt(0);
        b.putInt(crc(b.array(), 0, 28));
        out.writeBytes(b.array());
        return this;
    }

    /** A record whose payload CRC is {@code payloadCrc} (use {@link #crc} for the right one). */
    StreamBuilder record(char type, long offset, long length, byte[] payload, int payloadCrc, boolean goodHeaderCrc) {
        ByteBuffer b = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) type).put((byte) 0).putShort((short) 0).putInt(payload.length).putLong(offset).putLong(length)
                .putInt(payloadCrc);
        int h = crc(b.array(), 0, 28);
        b.putInt(goodHeaderCrc ? h : h ^ 1);
        out.writeBytes(b.array());
        out.writeBytes(payload);
        return this;
    }

    StreamBuilder record(char type, long offset, long length, byte[] payload) {
        return record(type, offset, length, payload, payload.length == 0 ? 0 : crc(payload, 0, payload.length), true);
    }

    StreamBuilder data(long offset, byte[] payload) {
        return record('D', offset, payload.length, payload);
    }

    StreamBuilder zeros(long offset, long length) {
        return record('Z', offset, length, new byte[0]);
    }

    StreamBuilder end(long size, long count, byte[] digest) {
        byte[] p = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN).putLong(count).put(digest).array();
        return record('E', size, 0, p);
    }

    StreamBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
