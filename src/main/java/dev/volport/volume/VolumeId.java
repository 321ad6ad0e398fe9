package dev.volport.volume;

import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A volume id {@code STOREID:VOLNAME} ({@code pve-storage.md} §4.3, regex
 * {@code ^([a-z][a-z0-9\-\_\.]*[a-z0-9]):(.+)$}, case-insensitive). The volume name is opaque here: its grammar
 * depends on the storage type (see {@link DirVolumeName}). volport additionally refuses names with control
 * characters (NUL, CR, LF, …), unpaired surrogates, or more than {@value #MAX_VOLNAME_LENGTH} characters.
 * {@link #toString()} gives {@code store:volName}, which {@link #parse(String)} turns back into an equal value.
 *
 * @param store   the storage
 * @param volName the storage-specific volume name, never empty
 * @throws IllegalArgumentException from the constructor if {@code volName} breaks the rules above
 */
public record VolumeId(StoreId store, String volName) {
    /** Longest volume name accepted, in characters. */
    public static final int MAX_VOLNAME_LENGTH = 4096;

    // The store id is everything up to the first ':' (the id itself cannot contain one); (.+) takes the rest.
    private static final Pattern PATTERN =
            Pattern.compile("^([a-z][a-z0-9\\-_.]*[a-z0-9]):(.+)$", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    public VolumeId {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(volName, "volName");
        String problem = volNameProblem(volName);
        if (problem != null) {
            throw new IllegalArgumentException("invalid volume name '" + Names.excerpt(volName) + "': " + problem);
        }
    }

    /**
     * Parses untrusted text of the form {@code STOREID:VOLNAME}.
     *
     * @throws VolumeNameException {@code invalid volume id 'TEXT': REASON}
     */
    public static VolumeId parse(String text) throws VolumeNameException {
        Objects.requireNonNull(text, "text");
        String prefix = "invalid volume id '" + Names.excerpt(text) + "': ";
        if (text.length() > MAX_VOLNAME_LENGTH + StoreId.MAX_LENGTH + 1) {
            throw new VolumeNameException(prefix + "longer than " + (MAX_VOLNAME_LENGTH + StoreId.MAX_LENGTH + 1)
                    + " characters");
        }
        Matcher m = PATTERN.matcher(text);
        if (!m.matches()) {
            int colon = text.indexOf(':');
            if (colon < 0) {
                throw new VolumeNameException(prefix + "expected STOREID:VOLNAME, found no ':'");
            }
            if (colon == text.length() - 1) {
                throw new VolumeNameException(prefix + "empty volume name after ':'");
            }
            throw new VolumeNameException(prefix + "storage id '" + Names.excerpt(text.substring(0, colon))
                    + "' does not match " + StoreId.RULE);
        }
        StoreId store;
        try {
            store = StoreId.parse(m.group(1));
        } catch (VolumeNameException e) {
            throw new VolumeNameException(prefix + e.getMessage());
        }
        String problem = volNameProblem(m.group(2));
        if (problem != null) {
            throw new VolumeNameException(prefix + "volume name " + problem);
        }
        return new VolumeId(store, m.group(2));
    }

    private static String volNameProblem(String volName) {
        if (volName.isEmpty()) {
            return "is empty";
        }
        if (volName.length() > MAX_VOLNAME_LENGTH) {
            return "is longer than " + MAX_VOLNAME_LENGTH + " characters";
        }
        return Names.badCharacter(volName);
    }

    /** {@code store:volName}; round-trips through {@link #parse(String)}. */
    @Override
    public String toString() {
        return store.value() + ":" + volName;
    }
}
