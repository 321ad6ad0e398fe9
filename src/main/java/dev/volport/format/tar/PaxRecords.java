package dev.volport.format.tar;

import dev.volport.format.FormatException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The records of a pax extended header (POSIX {@code pax}, "pax Extended Header"): {@code "%d %s=%s\n"}, where
 * the decimal length counts the whole record including itself. Keys are UTF-8 text; values are kept as bytes,
 * because {@code SCHILY.xattr.*} values are binary.
 */
final class PaxRecords {
    /** One record; an empty value means "unset this key" in pax. */
    record Rec(String key, byte[] value) {
        String text() {
            return new String(value, StandardCharsets.UTF_8);
        }
    }

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private PaxRecords() {
    }

    /** A writer of records. */
    static PaxRecords writer() {
        return new PaxRecords();
    }

    PaxRecords add(String key, String value) {
        return add(key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends {@code "len key=value\n"} with the self-including length. */
    PaxRecords add(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        int body = k.length + value.length + 3; // ' ', '=', '\n'
        int len = body + Integer.toString(body).length();
        if (Integer.toString(len).length() > Integer.toString(body).length()) {
            len++;
        }
        out.writeBytes(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
        out.write(' ');
        out.writeBytes(k);
        out.write('=');
        out.writeBytes(value);
        out.write('\n');
        return this;
    }

    boolean isEmpty() {
        return out.size() == 0;
    }

    byte[] toBytes() {
        return out.toByteArray();
    }

    /**
     * Parses a whole extended header's data.
     *
     * @throws FormatException naming {@code where} if a record's length is not a number, runs past the end,
     *                         or the record lacks {@code '='} or the final newline
     */
    static List<Rec> parse(byte[] data, String where) throws FormatException {
        List<Rec> recs = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            if (data[pos] == 0) { // some writers pad the header data with NULs
                for (int i = pos; i < data.length; i++) {
                    if (data[i] != 0) {
                        throw new FormatException(where + ": data after NUL padding at byte " + i);
                    }
                }
                break;
            }
            int i = pos;
            long len = 0;
            while (i < data.length && data[i] >= '0' && data[i] <= '9' && i - pos < 10) {
                len = len * 10 + (data[i] - '0');
                i++;
            }
            if (i == pos || i >= data.length || data[i] != ' ' || len < (i - pos) + 4 || pos + len > data.length) {
                throw new FormatException(where + ": bad record length at byte " + pos);
            }
            int end = (int) (pos + len);
            if (data[end - 1] != '\n') {
                throw new FormatException(where + ": record at byte " + pos + " does not end with a newline");
            }
            int eq = i + 1;
            while (eq < end - 1 && data[eq] != '=') {
                eq++;
            }
            if (eq >= end - 1 || eq == i + 1) {
                throw new FormatException(where + ": record at byte " + pos + " has no key=value");
            }
            String key = new String(data, i + 1, eq - i - 1, StandardCharsets.UTF_8);
            recs.add(new Rec(key, Arrays.copyOfRange(data, eq + 1, end - 1)));
            pos = end;
        }
        return recs;
    }
}
