package dev.volport.volume;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A storage id such as {@code local} or {@code tank-1}: the reference's {@code parse_storage_id} rule
 * {@code ^[a-z][a-z0-9\-_.]*[a-z0-9]$}, case-insensitive ({@code pve-storage.md} §4.1), at most
 * {@value #MAX_LENGTH} characters. Case is kept as written; ids compare case-sensitively.
 *
 * @param value the id as written; an instance always satisfies the rule
 * @throws IllegalArgumentException from the constructor if {@code value} breaks the rule
 *         (use {@link #parse(String)} for untrusted text)
 */
public record StoreId(String value) {
    /** Longest accepted id, in characters. The reference has no limit; 128 keeps ids printable and path-safe. */
    public static final int MAX_LENGTH = 128;

    static final String RULE = "^[a-z][a-z0-9\\-_.]*[a-z0-9]$";
    private static final Pattern PATTERN = Pattern.compile(RULE, Pattern.CASE_INSENSITIVE);

    public StoreId {
        Objects.requireNonNull(value, "value");
        String problem = problem(value);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
    }

    /**
     * Parses untrusted text.
     *
     * @throws VolumeNameException naming the text and the rule it breaks
     */
    public static StoreId parse(String text) throws VolumeNameException {
        Objects.requireNonNull(text, "text");
        String problem = problem(text);
        if (problem != null) {
            throw new VolumeNameException(problem);
        }
        return new StoreId(text);
    }

    /** Whether {@code text} is a valid storage id. */
    public static boolean isValid(String text) {
        return text != null && problem(text) == null;
    }

    private static String problem(String text) {
        if (text.length() > MAX_LENGTH) {
            return "invalid storage id '" + Names.excerpt(text) + "': longer than " + MAX_LENGTH + " characters";
        }
        if (!PATTERN.matcher(text).matches()) {
            return "invalid storage id '" + Names.excerpt(text) + "': expected " + RULE + " (case-insensitive)";
        }
        return null;
    }

    /** The id as written. */
    @Override
    public String toString() {
        return value;
    }
}
