package dev.volport.volume;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dir volume-name grammar: the reference's {@code parse_volname} and {@code parse_name_dir}
 * ({@code pve-storage.md} §4.3), tried in the reference's order, behind volport's own hardening of every path
 * component. Produces {@link Fields}, from which {@link DirVolumeName} is built and against which it checks itself.
 */
final class DirVolumeGrammar {
    /** Longest volume name, in characters. */
    static final int MAX_LENGTH = 4096;
    /** Longest path component, in UTF-8 bytes: Linux's NAME_MAX. */
    static final int MAX_COMPONENT_BYTES = 255;
    /** Largest vmid accepted in a volume name: the reference's VMID range ends at 999999999. */
    static final int MAX_VMID = 999_999_999;

    // Perl's \S and \s are Unicode-aware on character strings; UNICODE_CHARACTER_CLASS makes Java's match them.
    private static final int U = Pattern.UNICODE_CHARACTER_CLASS;
    private static final int CI = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;

    private static final Pattern LINKED = Pattern.compile("^([0-9]+)/(\\S+)/([0-9]+)/(\\S+)$", U);
    private static final Pattern IMAGE = Pattern.compile("^([0-9]+)/(\\S+)$", U);
    private static final Pattern ISO = Pattern.compile("^iso/([^/]+\\.(?:iso|img))$", CI);
    private static final Pattern VZTMPL =
            Pattern.compile("^vztmpl/([^/]+\\.(?:tar(?!\\.)|tar\\.(?:gz|xz|zst|bz2)))$", CI);
    private static final Pattern BACKUP =
            Pattern.compile("^backup/([^/]+\\.(?:tgz|(?:tar|vma)(?:\\.(?:gz|lzo|zst|bz2))?))$");
    private static final Pattern VZDUMP = Pattern.compile("^vzdump-(?:openvz|lxc|qemu)-([0-9]+)-.+");
    private static final Pattern SNIPPETS = Pattern.compile("^snippets/([^/]+)$");
    private static final String IMPORT_CHARS = "[ a-zA-Z0-9\\-.+=_]+";
    private static final Pattern IMPORT_OVA_MEMBER = Pattern.compile(
            "^import/(" + IMPORT_CHARS + "\\.ova)/(" + IMPORT_CHARS + "\\.(qcow2|raw|vmdk))$");
    private static final Pattern IMPORT = Pattern.compile("^import/(" + IMPORT_CHARS + "\\.(ova|ovf|qcow2|raw|vmdk))$");

    private static final Pattern NAME_STD =
            Pattern.compile("^(vm-|base-|subvol-)([0-9]+)-[^/\\s]+\\.(raw|qcow2|vmdk|subvol)$", U);
    private static final Pattern NAME_SNAPSHOT = Pattern.compile("^snap-.*\\.qcow2$", Pattern.DOTALL);
    private static final Pattern NAME_FALLBACK = Pattern.compile("^(base-)?[^/\\s]+\\.(raw|qcow2|vmdk|subvol)$", U);

    /** What a dir volume name says, before it becomes a {@link DirVolumeName}. */
    record Fields(ContentType type, String fileName, OptionalInt vmid, Optional<BaseRef> base, boolean isBase,
            DiskFormat format, Optional<String> ovaMember) {
    }

    /** The image file name facts from {@code parse_name_dir}. */
    private record ImageName(DiskFormat format, boolean isBase) {
    }

    private DirVolumeGrammar() {
    }

    static Fields parse(String volname) throws VolumeNameException {
        String quoted = "unable to parse directory volume name '" + Names.excerpt(volname) + "'";
        harden(volname, quoted);

        Matcher m = LINKED.matcher(volname);
        if (m.matches()) {
            int baseVmid = vmid(m.group(1), quoted);
            String baseName = m.group(2);
            parseNameDir(baseName);
            int vmid = vmid(m.group(3), quoted);
            ImageName image = parseNameDir(m.group(4));
            return new Fields(ContentType.IMAGES, m.group(4), OptionalInt.of(vmid),
                    Optional.of(new BaseRef(baseVmid, baseName)), image.isBase(), image.format(), Optional.empty());
        }
        m = IMAGE.matcher(volname);
        if (m.matches()) {
            int vmid = vmid(m.group(1), quoted);
            ImageName image = parseNameDir(m.group(2));
            return new Fields(ContentType.IMAGES, m.group(2), OptionalInt.of(vmid), Optional.empty(),
                    image.isBase(), image.format(), Optional.empty());
        }
        m = ISO.matcher(volname);
        if (m.matches()) {
            return plain(ContentType.ISO, m.group(1), OptionalInt.empty(), DiskFormat.RAW);
        }
        m = VZTMPL.matcher(volname);
        if (m.matches()) {
            return plain(ContentType.VZTMPL, m.group(1), OptionalInt.empty(), DiskFormat.RAW);
        }
        m = BACKUP.matcher(volname);
        if (m.matches()) {
            // The reference reports no format for backups (they are never exported); RAW keeps the field total.
            return plain(ContentType.BACKUP, m.group(1), backupVmid(m.group(1)), DiskFormat.RAW);
        }
        m = SNIPPETS.matcher(volname);
        if (m.matches()) {
            return plain(ContentType.SNIPPETS, m.group(1), OptionalInt.empty(), DiskFormat.RAW);
        }
        m = IMPORT_OVA_MEMBER.matcher(volname);
        if (m.matches()) {
            // The reference reports "ova+<fmt>"; volport keeps the member's format and names the member.
            return new Fields(ContentType.IMPORT, m.group(1), OptionalInt.empty(), Optional.empty(), false,
                    DiskFormat.fromId(m.group(3)).orElseThrow(), Optional.of(m.group(2)));
        }
        m = IMPORT.matcher(volname);
        if (m.matches()) {
            return plain(ContentType.IMPORT, m.group(1), OptionalInt.empty(),
                    DiskFormat.fromId(m.group(2)).orElseThrow());
        }
        throw new VolumeNameException(quoted);
    }

    private static Fields plain(ContentType type, String fileName, OptionalInt vmid, DiskFormat format) {
        return new Fields(type, fileName, vmid, Optional.empty(), false, format, Optional.empty());
    }

    /**
     * volport's hardening, before any grammar: overall length, characters, and each {@code /}-separated
     * component (not empty, not {@code .} or {@code ..}, no leading {@code -}, at most 255 UTF-8 bytes). An
     * absolute name fails here because its first component is empty.
     */
    private static void harden(String volname, String quoted) throws VolumeNameException {
        if (volname.isEmpty()) {
            throw new VolumeNameException(quoted + ": empty");
        }
        if (volname.length() > MAX_LENGTH) {
            throw new VolumeNameException(quoted + ": longer than " + MAX_LENGTH + " characters");
        }
        String bad = Names.badCharacter(volname);
        if (bad != null) {
            throw new VolumeNameException(quoted + ": " + bad);
        }
        String[] parts = volname.split("/", -1);
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i];
            String where = "path component " + (i + 1);
            if (part.isEmpty()) {
                throw new VolumeNameException(quoted + ": " + where
                        + (i == 0 ? " is empty (absolute names are not allowed)" : " is empty"));
            }
            if (part.equals(".") || part.equals("..")) {
                throw new VolumeNameException(quoted + ": " + where + " is '" + part + "'");
            }
            if (part.startsWith("-")) {
                throw new VolumeNameException(quoted + ": " + where + " starts with '-'");
            }
            int bytes = part.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_COMPONENT_BYTES) {
                throw new VolumeNameException(quoted + ": " + where + " is " + bytes + " bytes long, limit "
                        + MAX_COMPONENT_BYTES);
            }
        }
    }

    /** A vmid directory: decimal, no leading zeros (so the name stays canonical), at most {@link #MAX_VMID}. */
    private static int vmid(String digits, String quoted) throws VolumeNameException {
        if ((digits.length() > 1 && digits.charAt(0) == '0') || digits.length() > 9) {
            throw new VolumeNameException(quoted + ": vmid '" + Names.excerpt(digits)
                    + "' must be a decimal number without leading zeros, at most " + MAX_VMID);
        }
        return Integer.parseInt(digits);
    }

    /** The guest id of a vzdump archive name, when it has one that fits the vmid range. */
    private static OptionalInt backupVmid(String fileName) {
        Matcher m = VZDUMP.matcher(fileName);
        if (m.matches() && m.group(1).length() <= 9) {
            return OptionalInt.of(Integer.parseInt(m.group(1)));
        }
        return OptionalInt.empty();
    }

    /**
     * The reference's {@code parse_name_dir}. Note it does not require the number in {@code vm-N-…} to equal the
     * directory's vmid, and neither does volport.
     */
    private static ImageName parseNameDir(String name) throws VolumeNameException {
        Matcher m = NAME_STD.matcher(name);
        if (m.matches()) {
            return new ImageName(DiskFormat.fromId(m.group(3)).orElseThrow(), m.group(1).equals("base-"));
        }
        if (NAME_SNAPSHOT.matcher(name).matches()) {
            throw new VolumeNameException("'" + Names.excerpt(name) + "' is a snapshot filename, not a volume");
        }
        m = NAME_FALLBACK.matcher(name);
        if (m.matches()) {
            return new ImageName(DiskFormat.fromId(m.group(2)).orElseThrow(), m.group(1) != null);
        }
        throw new VolumeNameException("unable to parse volume filename '" + Names.excerpt(name) + "'");
    }
}
