package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The descriptor text embedded in a single-file VMDK, reduced to what a self-contained disk may say. Only these
 * line forms are accepted: blank, {@code #} comment, {@code ddb.KEY = VALUE}, {@code KEY=VALUE} with a one-word key,
 * and extent lines {@code RW|RDONLY|NOACCESS SECTORS TYPE "NAME"}. The disk must be {@link Subformat} with exactly
 * one SPARSE extent, have no parent, and its extent name must be a plain file name.
 *
 * <p>The extent name is recorded, never opened: the data of a monolithicSparse or streamOptimized disk is in the
 * file holding the descriptor. It cannot be compared with that file's own name, which changes when a volume is
 * imported under a new name, so a name with a directory part (or {@code .}/{@code ..}) is what "another file" means
 * here.
 *
 * @param version the descriptor {@code version} (1 to 3)
 * @param cid the content id as written ({@code CID}), or empty when absent
 * @param createType the disk kind
 * @param extent the single extent line
 * @param entries every {@code KEY=VALUE} and {@code ddb.} line in file order, values unquoted
 */
public record VmdkDescriptor(int version, String cid, Subformat createType, Extent extent,
        Map<String, String> entries) {

    /** The parent content id of a disk without a parent. */
    public static final String NO_PARENT_CID = "ffffffff";

    /**
     * One extent line.
     *
     * @param access {@code RW}, {@code RDONLY} or {@code NOACCESS}
     * @param sectors extent size in 512-byte sectors
     * @param type extent type ({@code SPARSE} is the only one accepted)
     * @param fileName the quoted file name
     */
    public record Extent(String access, long sectors, String type, String fileName) {
    }

    private static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z][A-Za-z0-9_.]*)\\s*=\\s*(.*)");
    private static final Pattern EXTENT =
            Pattern.compile("(RW|RDONLY|NOACCESS)\\s+(\\d{1,18})\\s+([A-Za-z]+)(?:\\s+\"([^\"]*)\"(?:\\s+(\\S+))?)?\\s*",
                    Pattern.CASE_INSENSITIVE);
    private static final Pattern ACCESS_WORD = Pattern.compile("(?i)(RW|RDONLY|NOACCESS)(\\s.*)?");

    /**
     * Parses the descriptor in the remaining bytes of {@code region}: the text ends at the first NUL byte, the rest
     * is padding.
     *
     * @param region at most {@link VmdkLimits#MAX_DESCRIPTOR_SECTORS} sectors; position and limit are not changed
     * @param where the file, for messages
     * @throws FormatException when the text breaks a rule or a limit, naming the line
     */
    public static VmdkDescriptor parse(ByteBuffer region, String where) throws FormatException {
        long max = VmdkLimits.MAX_DESCRIPTOR_SECTORS * VmdkLimits.SECTOR;
        if (region.remaining() > max) {
            throw new FormatException("VMDK descriptor of " + where + " is " + region.remaining()
                    + " bytes, more than " + max);
        }
        int end = region.position();
        while (end < region.limit() && region.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - region.position()];
        region.get(region.position(), bytes);
        return parseText(new String(bytes, StandardCharsets.ISO_8859_1), where);
    }

    /** Parses descriptor text (see {@link #parse}). */
    public static VmdkDescriptor parseText(String text, String where) throws FormatException {
        Map<String, String> entries = new LinkedHashMap<>();
        Extent extent = null;
        int lineNo = 0;
        int start = 0;
        while (start < text.length()) {
            int nl = text.indexOf('\n', start);
            int stop = nl < 0 ? text.length() : nl;
            lineNo++;
            if (lineNo > VmdkLimits.MAX_DESCRIPTOR_LINES) {
                throw new FormatException("VMDK descriptor of " + where + " has more than "
                        + VmdkLimits.MAX_DESCRIPTOR_LINES + " lines");
            }
            if (stop - start > VmdkLimits.MAX_DESCRIPTOR_LINE) {
                throw new FormatException("VMDK descriptor of " + where + ", line " + lineNo + ": "
                        + (stop - start) + " characters, more than " + VmdkLimits.MAX_DESCRIPTOR_LINE);
            }
            String line = text.substring(start, stop);
            start = stop + 1;
            checkCharacters(line, where, lineNo);
            line = line.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String at = "VMDK descriptor of " + where + ", line " + lineNo + ": ";
            if (ACCESS_WORD.matcher(line).matches()) {
                Extent e = extent(line, at);
                if (extent != null) {
                    throw new FormatException(at + "a second extent; only single-extent disks are supported");
                }
                extent = e;
                continue;
            }
            Matcher kv = KEY_VALUE.matcher(line);
            if (!kv.matches()) {
                throw new FormatException(at + "not a comment, KEY=VALUE, ddb or extent line: " + quote(line));
            }
            String key = kv.group(1);
            if (entries.putIfAbsent(key, unquote(kv.group(2).strip())) != null) {
                throw new FormatException(at + "key " + key + " given twice");
            }
        }
        return check(entries, extent, where);
    }

    private static void checkCharacters(String line, String where, int lineNo) throws FormatException {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
                throw new FormatException("VMDK descriptor of " + where + ", line " + lineNo
                        + ": control character 0x" + Integer.toHexString(c) + " at column " + (i + 1));
            }
        }
    }

    private static Extent extent(String line, String at) throws FormatException {
        Matcher m = EXTENT.matcher(line);
        if (!m.matches()) {
            throw new FormatException(at + "malformed extent line " + quote(line));
        }
        String access = m.group(1).toUpperCase(Locale.ROOT);
        String type = m.group(3).toUpperCase(Locale.ROOT);
        String name = m.group(4);
        long sectors = Long.parseLong(m.group(2));
        if (!type.equals("SPARSE")) {
            throw new FormatException(at + "extent type " + type + " is not supported (only the file's own SPARSE"
                    + " extent; FLAT, ZERO and VMFS extents name other files or devices)");
        }
        if (access.equals("NOACCESS")) {
            throw new FormatException(at + "extent is NOACCESS, its data is not readable");
        }
        if (name == null || name.isEmpty()) {
            throw new FormatException(at + "extent has no file name");
        }
        if (m.group(5) != null) {
            throw new FormatException(at + "SPARSE extent has a start offset " + quote(m.group(5)));
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0 || name.equals(".") || name.equals("..")
                || name.startsWith("json:") || name.indexOf(':') >= 0) {
            throw new FormatException(at + "extent names another file " + quote(name)
                    + "; the extent of a single-file disk is the file itself");
        }
        return new Extent(access, sectors, type, name);
    }

    private static VmdkDescriptor check(Map<String, String> entries, Extent extent, String where)
            throws FormatException {
        String at = "VMDK descriptor of " + where + ": ";
        if (entries.isEmpty() && extent == null) {
            throw new FormatException(at + "empty (a split extent file, not a whole disk)");
        }
        String v = entries.get("version");
        if (v == null || !(v.equals("1") || v.equals("2") || v.equals("3"))) {
            throw new FormatException(at + "version " + (v == null ? "missing" : quote(v)) + ", expected 1, 2 or 3");
        }
        String parentCid = entries.get("parentCID");
        if (parentCid != null && !parentCid.equalsIgnoreCase(NO_PARENT_CID)) {
            throw new FormatException(at + "parentCID " + quote(parentCid) + ": a delta disk with a parent,"
                    + " which is not supported");
        }
        if (entries.containsKey("parentFileNameHint")) {
            throw new FormatException(at + "parentFileNameHint " + quote(entries.get("parentFileNameHint"))
                    + ": a delta disk with a parent, which is not supported");
        }
        String type = entries.get("createType");
        if (type == null) {
            throw new FormatException(at + "no createType");
        }
        Subformat sub = Subformat.byCreateType(type).orElseThrow(() -> new FormatException(at + "createType "
                + quote(type) + " is not supported (only monolithicSparse and streamOptimized are single files)"));
        if (extent == null) {
            throw new FormatException(at + "no extent line");
        }
        String cid = entries.getOrDefault("CID", "");
        return new VmdkDescriptor(Integer.parseInt(v), cid, sub, extent, Collections.unmodifiableMap(entries));
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    /** The value in double quotes, cut to 80 characters so a hostile line cannot flood a message. */
    static String quote(String s) {
        return "\"" + (s.length() > 80 ? s.substring(0, 80) + "..." : s) + "\"";
    }

    /**
     * The descriptor text volport writes, shaped like QEMU's: header keys, one SPARSE extent, and a disk database
     * with an IDE geometry.
     *
     * @param cid the content id (random per image, as VMware and QEMU do)
     * @param capacity sectors
     * @param extentName a plain file name (no {@code /}, {@code "} or control characters)
     */
    public static String render(Subformat createType, int cid, long capacity, String extentName) {
        long cylinders = Math.min(capacity / (16 * 63), 16383);
        return "# Disk DescriptorFile\n"
                + "version=1\n"
                + String.format("CID=%08x\n", cid)
                + "parentCID=" + NO_PARENT_CID + "\n"
                + "createType=\"" + createType.createType() + "\"\n"
                + "\n"
                + "# Extent description\n"
                + "RW " + capacity + " SPARSE \"" + extentName + "\"\n"
                + "\n"
                + "# The Disk Data Base\n"
                + "#DDB\n"
                + "\n"
                + "ddb.virtualHWVersion = \"4\"\n"
                + "ddb.geometry.cylinders = \"" + cylinders + "\"\n"
                + "ddb.geometry.heads = \"16\"\n"
                + "ddb.geometry.sectors = \"63\"\n"
                + "ddb.adapterType = \"ide\"\n";
    }
}
