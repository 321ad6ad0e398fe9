package dev.volport.volume;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A snapshot name as the reference's CLI accepts it ({@code pve-storage.md} §2): {@code ^[a-z0-9_\-]{1,40}$}
 * case-insensitive for {@code snapshot}/{@code base}, and up to 80 characters for {@code delete-snapshot}.
 * Case is kept as written (uppercase names are valid since the reference's {@code bef7920}).
 *
 * @param value the name; an instance always matches {@code ^[a-z0-9_\-]{1,80}$}i
 * @throws IllegalArgumentException from the constructor if it does not
 */
public record SnapshotName(String value) {
    /** Longest name for {@link #parse(String)}, in characters. */
    public static final int MAX_LENGTH = 40;
    /** Longest name for {@link #parseForDelete(String)}, in characters. */
    public static final int MAX_DELETE_LENGTH = 80;

    private static final Pattern PATTERN = Pattern.compile("^[a-z0-9_\\-]{1,80}$", Pattern.CASE_INSENSITIVE);

    public SnapshotName {
        Objects.requireNonNull(value, "value");
        if (!PATTERN.matcher(value).matches()) {
            throw new IllegalArgumentException(message(value, MAX_DELETE_LENGTH));
        }
    }

    /**
     * Parses a {@code snapshot} or {@code base} argument: 1 to 40 of {@code a-z A-Z 0-9 _ -}.
     *
     * @throws VolumeNameException quoting the value and the rule
     */
    public static SnapshotName parse(String text) throws VolumeNameException {
        return parse(text, MAX_LENGTH);
    }

    /**
     * Parses a {@code delete-snapshot} argument: 1 to 80 of {@code a-z A-Z 0-9 _ -}.
     *
     * @throws VolumeNameException quoting the value and the rule
     */
    public static SnapshotName parseForDelete(String text) throws VolumeNameException {
        return parse(text, MAX_DELETE_LENGTH);
    }

    private static SnapshotName parse(String text, int max) throws VolumeNameException {
        Objects.requireNonNull(text, "text");
        if (text.length() > max || !PATTERN.matcher(text).matches()) {
            throw new VolumeNameException(message(text, max));
        }
        return new SnapshotName(text);
    }

    private static String message(String text, int max) {
        return "invalid snapshot name '" + Names.excerpt(text) + "': expected ^[a-z0-9_\\-]{1," + max
                + "}$ (case-insensitive)";
    }

    /** The name as written. */
    @Override
    public String toString() {
        return value;
    }
}
