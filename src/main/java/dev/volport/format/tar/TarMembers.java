package dev.volport.format.tar;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Finds one member of an uncompressed tar file (an OVA) by reading its headers in place: member data is stepped
 * over by position, never read, so looking into a large archive costs one read per member. Understands ustar names
 * with prefix, GNU long names and pax {@code path}/{@code size}; only a regular, non-sparse member is returned.
 */
public final class TarMembers {
    /** Most headers looked at before giving up: an OVA holds a descriptor, a manifest and a few disks. */
    static final int MAX_HEADERS = 10_000;
    private static final int MAX_META = 64 * 1024;

    /** A member's data: {@code size} bytes at {@code offset} of the archive. */
    public record Member(String name, long offset, long size) {
    }

    private TarMembers() {
    }

    /**
     * The regular member called {@code name} ({@code ./} prefixes ignored), or empty when the archive has none.
     *
     * @param what names the archive in errors
     * @throws FormatException for a damaged header, a member running past the end of the file, or too many headers
     */
    public static Optional<Member> find(FileChannel tar, String name, String what) throws IOException {
        long length = tar.size();
        long at = 0;
        byte[] longName = null;
        List<PaxRecords.Rec> pax = List.of();
        for (int n = 0; n < MAX_HEADERS; n++) {
            if (at + TarHeader.BLOCK > length) {
                return Optional.empty(); // no end marker: nothing more to find
            }
            byte[] block = read(tar, at, TarHeader.BLOCK, what);
            if (TarHeader.isZero(block)) {
                return Optional.empty();
            }
            TarHeader h = TarHeader.parse(block, at);
            long data = at + TarHeader.BLOCK;
            long size = h.size();
            for (PaxRecords.Rec r : pax) {
                if (r.key().equals("size") && r.value().length > 0) {
                    size = decimal(new String(r.value(), StandardCharsets.US_ASCII), what, at);
                }
            }
            if (size < 0 || data + size > length) {
                throw new FormatException(what + ": member at offset " + at + " runs past the end of the file");
            }
            long next = data + size + (TarHeader.BLOCK - size % TarHeader.BLOCK) % TarHeader.BLOCK;
            switch (h.typeflag()) {
                case 'x' -> pax = PaxRecords.parse(meta(tar, data, size, what), what + ", pax header at " + at);
                case 'L' -> longName = TarReader.stripNuls(meta(tar, data, size, what));
                case 'g' -> { }
                default -> {
                    byte[] raw = longName != null ? longName : h.name();
                    for (PaxRecords.Rec r : pax) {
                        if (r.key().equals("path") && r.value().length > 0) {
                            raw = r.value();
                        }
                    }
                    boolean regular = h.typeflag() == '0' || h.typeflag() == 0;
                    if (regular && strip(new String(raw, StandardCharsets.UTF_8)).equals(strip(name))) {
                        return Optional.of(new Member(name, data, size));
                    }
                    longName = null;
                    pax = List.of();
                }
            }
            at = next;
        }
        throw new FormatException(what + ": more than " + MAX_HEADERS + " tar headers (limit)");
    }

    private static String strip(String s) {
        String t = s;
        while (t.startsWith("./")) {
            t = t.substring(2);
        }
        return t;
    }

    private static long decimal(String s, String what, long at) throws FormatException {
        if (s.isEmpty() || s.length() > 18 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new FormatException(what + ": pax size '" + s + "' at offset " + at + " is not a number");
        }
        return Long.parseLong(s);
    }

    private static byte[] meta(FileChannel tar, long at, long size, String what) throws IOException {
        if (size > MAX_META) {
            throw new FormatException(what + ": extended header at offset " + at + " of " + size
                    + " bytes exceeds the limit of " + MAX_META);
        }
        return read(tar, at, (int) size, what);
    }

    private static byte[] read(FileChannel ch, long at, int n, String what) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new FormatException(what + ": ends inside the tar header at offset " + at);
            }
        }
        return b.array();
    }
}
