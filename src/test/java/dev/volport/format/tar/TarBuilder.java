package dev.volport.format.tar;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Builds tar streams byte by byte for hostile fixtures: every field can be set to anything, checksums are
 * computed unless broken on purpose. Independent of the production header writer.
 */
final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A ustar header block with the given fields; {@code fix} writes a correct checksum. */
    static byte[] header(byte[] name, char type, long size, int mode, String link, int major, int minor) {
        byte[] b = new byte[512];
        System.arraycopy(name, 0, b, 0, Math.min(100, name.length));
        put(b, 100, String.format("%07o", mode));
        put(b, 108, "0000000");
        put(b, 116, "0000000");
        put(b, 124, String.format("%011o", size));
        put(b, 136, "14000000000");
        b[156] = (byte) type;
        put(b, 157, link);
        put(b, 257, "ustar");
        put(b, 263, "00");
        put(b, 329, String.format("%07o", major));
        put(b, 337, String.format("%07o", minor));
        return fix(b);
    }

    /** Recomputes the checksum field of a header block. */
    static byte[] fix(byte[] b) {
        Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        put(b, 148, String.format("%06o", sum));
        b[154] = 0;
        return b;
    }

    private static void put(byte[] b, int off, String s) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(v, 0, b, off, Math.min(v.length, 100));
    }

    TarBuilder raw(byte[] bytes) {
        out.writeBytes(bytes);
        return this;
    }

    /** A member with data (padded to a block). */
    TarBuilder member(String name, char type, int mode, String link, byte[] data) {
        out.writeBytes(header(name.getBytes(StandardCharsets.UTF_8), type, data.length, mode, link, 0, 0));
        return data(data);
    }

    TarBuilder data(byte[] data) {
        out.writeBytes(data);
        out.writeBytes(new byte[(512 - data.length % 512) % 512]);
        return this;
    }

    TarBuilder dir(String name) {
        return member(name, '5', 0755, "", new byte[0]);
    }

    TarBuilder file(String name, String content) {
        return member(name, '0', 0644, "", content.getBytes(StandardCharsets.UTF_8));
    }

    TarBuilder symlink(String name, String target) {
        return member(name, '2', 0777, target, new byte[0]);
    }

    TarBuilder hardlink(String name, String target) {
        return member(name, '1', 0644, target, new byte[0]);
    }

    TarBuilder device(String name, char type, int major, int minor) {
        out.writeBytes(header(name.getBytes(StandardCharsets.UTF_8), type, 0, 0600, "", major, minor));
        return this;
    }

    /** A pax header of the given records ({@code key=value} text, lengths computed). */
    TarBuilder pax(String... keyValues) {
        ByteArrayOutputStream recs = new ByteArrayOutputStream();
        for (String kv : keyValues) {
            int body = kv.getBytes(StandardCharsets.UTF_8).length + 2;
            int len = body + Integer.toString(body).length();
            len = body + Integer.toString(len).length();
            recs.writeBytes((len + " " + kv + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return member("./PaxHeaders/x", 'x', 0644, "", recs.toByteArray());
    }

    /** A pax header that claims {@code size} bytes, followed by nothing. */
    TarBuilder paxClaiming(long size) {
        out.writeBytes(header("./PaxHeaders/x".getBytes(StandardCharsets.UTF_8), 'x', size, 0644, "", 0, 0));
        return this;
    }

    TarBuilder end() {
        out.writeBytes(new byte[1024]);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
