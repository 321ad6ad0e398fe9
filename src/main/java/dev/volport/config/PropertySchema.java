package dev.volport.config;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What property values must look like ({@code pve-storage.md} §4.1, §4.2); which properties a storage type takes
 * is its {@link SectionType}. {@link #normalize} checks one value and returns the form kept in the section (a
 * boolean becomes {@code 0} or {@code 1}; a path loses repeated and trailing slashes). The typed readers ({@link #parseBoolean},
 * {@link #content}, {@link IsMountpoint#parse}, …) are the same functions the check uses, so what the parser
 * accepts is exactly what {@link StorageSection} can read. Error texts carry no location; callers prefix it.
 */
final class PropertySchema {
    /** Longest property value, in characters. */
    static final int MAX_VALUE_LENGTH = 4096;

    /** Separators of the reference's {@code split_list}: whitespace, comma, semicolon. */
    private static final Pattern LIST_SEPARATOR = Pattern.compile("[\\s,;]+");
    private static final Pattern NODE = Pattern.compile("^[a-zA-Z0-9]([a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])?$");
    private static final Pattern POOL = Pattern.compile("^[A-Za-z][A-Za-z0-9_\\-.:]*(/[A-Za-z0-9_\\-.:]+)*$");
    private static final Pattern BLOCKSIZE = Pattern.compile("^[1-9][0-9]{0,6}[kKmM]?$");
    private static final Pattern PRUNE_KEY =
            Pattern.compile("^keep-(all|last|hourly|daily|weekly|monthly|yearly)$");
    private static final Pattern SMALL_INT = Pattern.compile("^(0|[1-9][0-9]{0,8})$");

    private PropertySchema() {
    }

    /**
     * Checks {@code value} (null for a bare key) for property {@code key} of {@code type}, throwing with
     * {@code where} as the location; returns the value to keep.
     */
    static String normalize(SectionType type, String key, String value, String where) throws ConfigException {
        PropertyKind kind = type.properties().get(key);
        if (kind == null) {
            throw ConfigException.at(where, "unknown property '" + excerpt(key) + "' for storage type '"
                    + type.id() + "'");
        }
        if (value == null) {
            if (kind == PropertyKind.BOOLEAN) {
                return "1";
            }
            throw invalid(where, key, expected(type, kind), null);
        }
        String shape = shapeProblem(value);
        if (shape != null) {
            throw ConfigException.at(where, "invalid value for '" + key + "': " + shape);
        }
        String result = check(type, kind, value);
        // normalizing may expose whitespace (e.g. "/a /" -> "/a "), which would not survive a write and a parse
        if (result == null || shapeProblem(result) != null) {
            throw invalid(where, key, expected(type, kind), value);
        }
        return result;
    }

    /** What any value must be so that it survives a write and a parse unchanged. */
    private static String shapeProblem(String value) {
        if (value.isEmpty()) {
            return "expected a value, found an empty string";
        }
        if (value.length() > MAX_VALUE_LENGTH) {
            return "expected at most " + MAX_VALUE_LENGTH + " characters, found " + value.length();
        }
        if (Character.isWhitespace(value.charAt(0)) || Character.isWhitespace(value.charAt(value.length() - 1))) {
            return "expected no leading or trailing whitespace, found '" + excerpt(value) + "'";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && Character.isISOControl(c)) {
                return "expected printable text, found a control character in '" + excerpt(value) + "'";
            }
        }
        return null;
    }

    /** The kept value, or null if {@code value} is not acceptable for {@code kind}. */
    private static String check(SectionType type, PropertyKind kind, String value) {
        return switch (kind) {
            case PATH, MOUNTPOINT -> absolutePath(value);
            case POOL -> POOL.matcher(value).matches() && !value.contains("..") ? value : null;
            case CONTENT -> content(type, value) != null ? value : null;
            case FORMAT -> DiskFormat.fromId(value).filter(type.formats()::contains).isPresent() ? value : null;
            case PREALLOCATION -> Preallocation.fromId(value).isPresent() ? value : null;
            case BOOLEAN -> parseBoolean(value).map(b -> b ? "1" : "0").orElse(null);
            case NODES -> split(value).stream().allMatch(n -> NODE.matcher(n).matches()) && !split(value).isEmpty()
                    ? value : null;
            case BWLIMIT -> {
                try {
                    BwLimit.parse(value);
                    yield value;
                } catch (ConfigException e) {
                    yield null;
                }
            }
            case IS_MOUNTPOINT -> IsMountpoint.parse(value)
                    .map(m -> m instanceof IsMountpoint.At at ? at.path().toString() : value).orElse(null);
            case CONTENT_DIRS -> contentDirs(value) ? value : null;
            case PRUNE_BACKUPS -> pruneBackups(value) ? value : null;
            case MAX_PROTECTED -> value.equals("-1") || SMALL_INT.matcher(value).matches() ? value : null;
            case BLOCKSIZE -> BLOCKSIZE.matcher(value).matches() ? value : null;
        };
    }

    private static String expected(SectionType type, PropertyKind kind) {
        return switch (kind) {
            case PATH, MOUNTPOINT -> "an absolute path without ';', '(', ')' or '.'/'..' components";
            case POOL -> "a ZFS pool or dataset name such as 'rpool/data'";
            case CONTENT -> "a list of " + contentIds(type) + (type.contentNone() ? ", or 'none'" : "");
            case FORMAT -> "one of " + String.join(", ", type.formats().stream().map(DiskFormat::id).toList());
            case PREALLOCATION -> "one of off, metadata, falloc, full";
            case BOOLEAN -> "0 or 1 (or yes/no, on/off, true/false)";
            case NODES -> "a list of node names";
            case BWLIMIT -> "KEY=KiB/s[,…] with keys default, restore, migration, clone, move";
            case IS_MOUNTPOINT -> "yes, no (or another boolean word) or an absolute path";
            case CONTENT_DIRS -> "a list of CONTENT=RELATIVE-PATH (no '..', components under 255 characters)";
            case PRUNE_BACKUPS -> "a list of keep-(all|last|hourly|daily|weekly|monthly|yearly)=N";
            case MAX_PROTECTED -> "-1 or a non-negative integer";
            case BLOCKSIZE -> "a block size such as 8k or 16K";
        };
    }

    private static String contentIds(SectionType type) {
        return String.join(", ", type.content().stream().map(ContentType::id).toList());
    }

    private static ConfigException invalid(String where, String key, String expected, String found) {
        return ConfigException.at(where, "invalid value for '" + key + "': expected " + expected + ", found "
                + (found == null ? "no value" : "'" + excerpt(found) + "'"));
    }

    /** The content set a valid {@code content} value denotes ({@code none} → empty), or null if invalid. */
    static Set<ContentType> content(SectionType type, String value) {
        List<String> items = split(value);
        if (items.isEmpty()) {
            return null;
        }
        if (items.contains("none")) {
            return items.stream().allMatch("none"::equals) && type.contentNone()
                    ? EnumSet.noneOf(ContentType.class) : null;
        }
        Set<ContentType> result = EnumSet.noneOf(ContentType.class);
        for (String item : items) {
            var t = ContentType.fromId(item);
            if (t.isEmpty() || !type.content().contains(t.get())) {
                return null;
            }
            result.add(t.get());
        }
        return result;
    }

    /**
     * A boolean as pve-common's {@code parse_boolean} reads it: {@code 1|on|yes|true} is true, {@code 0|off|no|false}
     * false, case-insensitive; anything else is empty.
     */
    static Optional<Boolean> parseBoolean(String value) {
        String v = value.toLowerCase(Locale.ROOT);
        return switch (v) {
            case "1", "on", "yes", "true" -> Optional.of(true);
            case "0", "off", "no", "false" -> Optional.of(false);
            default -> Optional.empty();
        };
    }

    /** The reference's {@code split_list}: items separated by whitespace, commas or semicolons. */
    static List<String> split(String value) {
        List<String> items = new ArrayList<>();
        for (String s : LIST_SEPARATOR.split(value.strip())) {
            if (!s.isEmpty()) {
                items.add(s);
            }
        }
        return items;
    }

    /** {@code /a//b/} → {@code /a/b}; null unless absolute and free of ';', '(', ')', '.' and '..' parts. */
    static String absolutePath(String value) {
        if (!value.startsWith("/") || value.indexOf(';') >= 0 || value.indexOf('(') >= 0 || value.indexOf(')') >= 0
                || value.indexOf('\0') >= 0) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (String part : value.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.equals(".") || part.equals("..")) {
                return null;
            }
            sb.append('/').append(part);
        }
        return sb.isEmpty() ? "/" : sb.toString();
    }

    /** The reference's {@code pve-dir-override}: {@code TYPE=RELPATH}, no {@code ..} and no trailing {@code .}. */
    private static final Pattern DIR_OVERRIDE = Pattern.compile("^([a-z]+)=([^.]*(?:\\.?[^.]+)+)$");

    /**
     * {@code content-dirs}: each item as the reference's {@code verify_dir_override} (a known content type, a path
     * without {@code ..}, shorter than 1023 characters, every component shorter than 255), each type once, and a
     * path that does not normalise to the storage's own directory.
     */
    private static boolean contentDirs(String value) {
        Set<String> seen = new HashSet<>();
        for (String item : value.split(",", -1)) {
            Matcher m = DIR_OVERRIDE.matcher(item.strip());
            if (!m.matches() || ContentType.fromId(m.group(1)).isEmpty() || !seen.add(m.group(1))) {
                return false;
            }
            String rel = m.group(2);
            if (rel.length() >= 1023 || Arrays.stream(rel.split("/")).anyMatch(c -> c.length() >= 255)
                    || normalizeRelative(rel).isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /**
     * A {@code content-dirs} path as the reference uses it ({@code PATH/RELPATH}): leading, doubled and trailing
     * {@code /} and {@code .} components dropped. {@code ..} never gets here ({@link #contentDirs}).
     */
    static String normalizeRelative(String rel) {
        StringBuilder sb = new StringBuilder();
        for (String part : rel.split("/")) {
            if (!part.isEmpty() && !part.equals(".")) {
                sb.append(sb.isEmpty() ? "" : "/").append(part);
            }
        }
        return sb.toString();
    }

    private static boolean pruneBackups(String value) {
        Set<String> seen = new HashSet<>();
        for (String item : value.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                return false;
            }
            String key = item.substring(0, eq);
            String n = item.substring(eq + 1);
            if (!PRUNE_KEY.matcher(key).matches() || !seen.add(key) || !SMALL_INT.matcher(n).matches()) {
                return false;
            }
            if (key.equals("keep-all") && !n.equals("0") && !n.equals("1")) {
                return false;
            }
        }
        return true;
    }

    /** Untrusted text made printable on one line and cut to 80 characters, for messages. */
    static String excerpt(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(text.length(), 80); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return text.length() > 80 ? sb + "…(" + text.length() + " chars)" : sb.toString();
    }
}
