package dev.volport.format.tar;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts POSIX ACLs between the kernel's binary extended attributes ({@code system.posix_acl_access},
 * {@code system.posix_acl_default}: a little-endian u32 version 2, then entries of u16 tag, u16 permissions,
 * u32 id; {@code <linux/posix_acl_xattr.h>}) and the text form GNU tar's {@code --acls} stores in
 * {@code SCHILY.acl.access}/{@code SCHILY.acl.default} (one {@code tag:qualifier:perms} entry per line, as
 * {@code acl_to_text(3)} writes it).
 *
 * <p>volport writes numeric qualifiers ({@code user:1234:rwx}), matching {@code --numeric-owner}; GNU tar 1.34
 * writes names even then. Reading accepts both: names are looked up in this host's {@code /etc/passwd} and
 * {@code /etc/group}, as GNU tar's {@code acl_from_text} does, and an unknown name is an error.
 */
final class PosixAcl {
    private static final int VERSION = 2;
    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final long UNDEFINED_ID = 0xffffffffL;
    /** Most entries accepted in one text ACL (the kernel's own limit is lower on most filesystems). */
    private static final int MAX_ENTRIES = 8192;

    private record Entry(int tag, int perm, long id) {
    }

    private final Map<String, Long> users = new HashMap<>();
    private final Map<String, Long> groups = new HashMap<>();
    private boolean loaded;

    /** Binary xattr value to text, numeric ids, one entry per line with a final newline. */
    static String toText(byte[] xattr, String where) throws FormatException {
        ByteBuffer b = ByteBuffer.wrap(xattr).order(ByteOrder.LITTLE_ENDIAN);
        if (xattr.length < 4 || (xattr.length - 4) % 8 != 0 || b.getInt() != VERSION) {
            throw new FormatException(where + ": POSIX ACL xattr of " + xattr.length + " bytes is not version 2");
        }
        StringBuilder sb = new StringBuilder();
        while (b.hasRemaining()) {
            int tag = Short.toUnsignedInt(b.getShort());
            int perm = Short.toUnsignedInt(b.getShort());
            long id = Integer.toUnsignedLong(b.getInt());
            String name = switch (tag) {
                case USER_OBJ -> "user::";
                case USER -> "user:" + id + ":";
                case GROUP_OBJ -> "group::";
                case GROUP -> "group:" + id + ":";
                case MASK -> "mask::";
                case OTHER -> "other::";
                default -> throw new FormatException(where + ": unknown POSIX ACL tag " + tag);
            };
            sb.append(name).append((perm & 4) != 0 ? 'r' : '-').append((perm & 2) != 0 ? 'w' : '-')
                    .append((perm & 1) != 0 ? 'x' : '-').append('\n');
        }
        return sb.toString();
    }

    /**
     * Text ACL to the binary xattr value, entries sorted as the kernel requires.
     *
     * @throws FormatException if an entry is malformed, a name is unknown on this host, an entry repeats, or a
     *                         required entry ({@code user::}, {@code group::}, {@code other::}, and
     *                         {@code mask::} when named entries exist) is missing
     */
    byte[] toXattr(String text, String where) throws FormatException {
        List<Entry> entries = new ArrayList<>();
        for (String line : text.split("[\n,]")) {
            int hash = line.indexOf('#');
            String e = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (e.isEmpty()) {
                continue;
            }
            if (entries.size() >= MAX_ENTRIES) {
                throw new FormatException(where + ": more than " + MAX_ENTRIES + " ACL entries");
            }
            String[] p = e.split(":", -1);
            String tag = p[0];
            String qual = p.length == 3 ? p[1] : "";
            String perms = p[p.length - 1];
            boolean twoFieldsOk = tag.equals("mask") || tag.equals("m") || tag.equals("other") || tag.equals("o");
            if (p.length != 3 && !(p.length == 2 && twoFieldsOk)) {
                throw new FormatException(where + ": malformed ACL entry '" + e + "'");
            }
            int perm = 0;
            for (char ch : perms.toCharArray()) {
                int bit = switch (ch) {
                    case 'r' -> 4;
                    case 'w' -> 2;
                    case 'x' -> 1;
                    case '-' -> 0;
                    default -> throw new FormatException(where + ": bad permission '" + ch + "' in ACL entry '"
                            + e + "'");
                };
                perm |= bit;
            }
            Entry entry = switch (tag) {
                case "user", "u" -> qual.isEmpty() ? new Entry(USER_OBJ, perm, UNDEFINED_ID)
                        : new Entry(USER, perm, id(qual, true, where));
                case "group", "g" -> qual.isEmpty() ? new Entry(GROUP_OBJ, perm, UNDEFINED_ID)
                        : new Entry(GROUP, perm, id(qual, false, where));
                case "mask", "m" -> new Entry(MASK, perm, UNDEFINED_ID);
                case "other", "o" -> new Entry(OTHER, perm, UNDEFINED_ID);
                default -> throw new FormatException(where + ": unknown ACL tag in '" + e + "'");
            };
            if (!qual.isEmpty() && (entry.tag == MASK || entry.tag == OTHER)) {
                throw new FormatException(where + ": ACL entry '" + e + "' takes no qualifier");
            }
            entries.add(entry);
        }
        entries.sort(Comparator.comparingInt(Entry::tag).thenComparingLong(Entry::id));
        boolean named = false;
        int seen = 0;
        for (int i = 0; i < entries.size(); i++) {
            Entry x = entries.get(i);
            if (i > 0 && entries.get(i - 1).tag == x.tag && entries.get(i - 1).id == x.id) {
                throw new FormatException(where + ": ACL entry repeated (tag " + x.tag + ", id " + x.id + ")");
            }
            named |= x.tag == USER || x.tag == GROUP;
            seen |= x.tag;
        }
        int required = USER_OBJ | GROUP_OBJ | OTHER | (named ? MASK : 0);
        if ((seen & required) != required) {
            throw new FormatException(where + ": ACL lacks a required user::, group::, other:: or mask:: entry");
        }
        ByteBuffer b = ByteBuffer.allocate(4 + 8 * entries.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(VERSION);
        for (Entry x : entries) {
            b.putShort((short) x.tag).putShort((short) x.perm).putInt((int) x.id);
        }
        return b.array();
    }

    private long id(String qual, boolean user, String where) throws FormatException {
        if (qual.chars().allMatch(ch -> ch >= '0' && ch <= '9') && qual.length() <= 10) {
            long v = Long.parseLong(qual);
            if (v < UNDEFINED_ID) {
                return v;
            }
        }
        if (!loaded) {
            loaded = true;
            load(Path.of("/etc/passwd"), users, 2);
            load(Path.of("/etc/group"), groups, 2);
        }
        Long v = (user ? users : groups).get(qual);
        if (v == null) {
            throw new FormatException(where + ": ACL names " + (user ? "user" : "group") + " '" + qual
                    + "', unknown on this host");
        }
        return v;
    }

    /** Reads {@code name:x:id:...} lines; a missing or unreadable file leaves the map empty (names then fail). */
    private static void load(Path file, Map<String, Long> into, int idField) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return; // documented: names then resolve to nothing and the ACL is refused with a clear message
        }
        for (String l : lines) {
            String[] f = l.split(":", -1);
            if (f.length > idField && !f[0].isEmpty() && f[idField].matches("[0-9]{1,10}")) {
                into.putIfAbsent(f[0], Long.parseLong(f[idField]));
            }
        }
    }
}
