package dev.volport.format.tar;

import dev.volport.format.FormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One 512-byte tar header block, as POSIX ustar (IEEE 1003.1 {@code <tar.h>}), GNU ({@code "ustar  \0"}) or
 * V7 (no magic) lays it out. Field names and offsets follow the standard:
 *
 * <pre>
 * name 0/100  mode 100/8  uid 108/8  gid 116/8  size 124/12  mtime 136/12  chksum 148/8  typeflag 156
 * linkname 157/100  magic 257/6  version 263/2  uname 265/32  gname 297/32  devmajor 329/8  devminor 337/8
 * prefix 345/155 (ustar only; GNU keeps atime/ctime and its old sparse map there: sparse 386/4x24,
 * isextended 482, realsize 483/12)
 * </pre>
 *
 * Numbers are octal text or, when the first byte has its high bit set, GNU base-256 big-endian binary.
 *
 * @param name     {@code prefix + "/" + name} for ustar, else {@code name}; bytes up to the first NUL
 * @param raw      the block itself (for the GNU old-sparse fields)
 * @param offset   stream offset of the block
 */
record TarHeader(byte[] name, int mode, long uid, long gid, long size, long mtime, byte typeflag,
        byte[] linkName, int devMajor, int devMinor, boolean gnu, byte[] raw, long offset) {
    static final int BLOCK = 512;
    static final int NAME_LEN = 100;
    static final int PREFIX_LEN = 155;
    private static final byte[] USTAR_MAGIC = {'u', 's', 't', 'a', 'r', 0, '0', '0'};
    private static final byte[] GNU_MAGIC = {'u', 's', 't', 'a', 'r', ' ', ' ', 0};

    /** Whether {@code block} (512 bytes) is all zeros: one half of the end-of-archive marker. */
    static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a non-zero header block.
     *
     * @throws FormatException if the checksum is wrong or a numeric field is not a number
     */
    static TarHeader parse(byte[] b, long offset) throws FormatException {
        if (b.length != BLOCK) {
            throw new IllegalArgumentException("tar header needs 512 bytes, got " + b.length);
        }
        long stored = number(b, 148, 8, "chksum", offset);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            int v = (i >= 148 && i < 156) ? ' ' : b[i];
            unsigned += v & 0xff;
            signed += (byte) v;
        }
        if (stored != unsigned && stored != signed) {
            throw new FormatException("tar header at offset " + offset + ": checksum " + stored
                    + " does not match the computed " + unsigned);
        }
        boolean ustar = Arrays.equals(b, 257, 265, USTAR_MAGIC, 0, 8)
                || Arrays.equals(b, 257, 263, USTAR_MAGIC, 0, 6); // some writers put other bytes in version
        boolean gnu = Arrays.equals(b, 257, 265, GNU_MAGIC, 0, 8);
        byte[] name = string(b, 0, NAME_LEN);
        if (ustar && b[345] != 0) {
            byte[] prefix = string(b, 345, PREFIX_LEN);
            byte[] full = Arrays.copyOf(prefix, prefix.length + 1 + name.length);
            full[prefix.length] = '/';
            System.arraycopy(name, 0, full, prefix.length + 1, name.length);
            name = full;
        }
        boolean hasDev = ustar || gnu;
        return new TarHeader(name, (int) (number(b, 100, 8, "mode", offset) & 07777),
                number(b, 108, 8, "uid", offset), number(b, 116, 8, "gid", offset),
                number(b, 124, 12, "size", offset), number(b, 136, 12, "mtime", offset), b[156],
                string(b, 157, NAME_LEN), hasDev ? device(b, 329, "devmajor", offset) : 0,
                hasDev ? device(b, 337, "devminor", offset) : 0, gnu, b, offset);
    }

    private static int device(byte[] b, int off, String field, long offset) throws FormatException {
        long v = number(b, off, 8, field, offset);
        if (v > Integer.MAX_VALUE) {
            throw new FormatException("tar header at offset " + offset + ": " + field + " " + v + " too large");
        }
        return (int) v;
    }

    /** The bytes of a NUL-terminated (or full-width) text field. */
    static byte[] string(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return Arrays.copyOfRange(b, off, end);
    }

    /**
     * A numeric field: octal text (leading spaces, then digits, then NULs or spaces) or GNU base-256 binary
     * (first byte {@code 0x80}; negative values, {@code 0xff}, are refused). An empty field is 0.
     */
    static long number(byte[] b, int off, int len, String field, long offset) throws FormatException {
        if ((b[off] & 0x80) != 0) {
            if ((b[off] & 0x40) != 0) {
                throw new FormatException("tar header at offset " + offset + ": negative base-256 " + field);
            }
            long v = b[off] & 0x3f;
            for (int i = off + 1; i < off + len; i++) {
                if (v > (Long.MAX_VALUE >>> 8)) {
                    throw new FormatException("tar header at offset " + offset + ": base-256 " + field
                            + " does not fit in 63 bits");
                }
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
        int i = off;
        int end = off + len;
        while (i < end && b[i] == ' ') {
            i++;
        }
        long v = 0;
        while (i < end && b[i] >= '0' && b[i] <= '7') {
            v = (v << 3) | (b[i] - '0'); // at most 12 digits: 36 bits, no overflow
            i++;
        }
        while (i < end && (b[i] == 0 || b[i] == ' ')) {
            i++;
        }
        if (i != end) {
            throw new FormatException("tar header at offset " + offset + ": " + field + " field is not an octal "
                    + "number: '" + new String(b, off, len, StandardCharsets.ISO_8859_1).replace("\0", "\\0") + "'");
        }
        return v;
    }

    /** Largest value an octal field of {@code len} bytes holds ({@code len - 1} digits and a NUL). */
    static long maxOctal(int len) {
        return (1L << (3 * (len - 1))) - 1;
    }

    /**
     * Fills a ustar header block as GNU tar's POSIX format does: octal fields NUL-terminated, empty
     * uname/gname ({@code --numeric-owner}), {@code devmajor}/{@code devminor} written only for real entries.
     * Values that do not fit must have been put in a pax header by the caller; here they become 0.
     */
    static byte[] format(byte[] name, int mode, long uid, long gid, long size, long mtime, byte typeflag,
            byte[] linkName, int devMajor, int devMinor, boolean devFields) {
        byte[] b = new byte[BLOCK];
        System.arraycopy(name, 0, b, 0, Math.min(name.length, NAME_LEN));
        octal(b, 100, 8, mode & 07777);
        octal(b, 108, 8, uid <= maxOctal(8) ? uid : 0);
        octal(b, 116, 8, gid <= maxOctal(8) ? gid : 0);
        octal(b, 124, 12, size <= maxOctal(12) ? size : 0);
        octal(b, 136, 12, mtime >= 0 && mtime <= maxOctal(12) ? mtime : 0);
        b[156] = typeflag;
        System.arraycopy(linkName, 0, b, 157, Math.min(linkName.length, NAME_LEN));
        System.arraycopy(USTAR_MAGIC, 0, b, 257, 8);
        if (devFields) {
            octal(b, 329, 8, devMajor <= maxOctal(8) ? devMajor : 0);
            octal(b, 337, 8, devMinor <= maxOctal(8) ? devMinor : 0);
        }
        Arrays.fill(b, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte x : b) {
            sum += x & 0xff;
        }
        octal(b, 148, 7, sum); // six digits and a NUL (sum <= 512 * 255 < 8^6)
        b[155] = ' ';
        return b;
    }

    /** {@code v} as {@code len - 1} zero-padded octal digits and a NUL; {@code v} must fit. */
    private static void octal(byte[] b, int off, int len, long v) {
        long x = v;
        for (int i = off + len - 2; i >= off; i--) {
            b[i] = (byte) ('0' + (x & 7));
            x >>>= 3;
        }
        b[off + len - 1] = 0;
    }
}
