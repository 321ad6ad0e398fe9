package dev.volport.config;

import java.util.Optional;

/** The storage types volport implements, with the reference's type names as written in {@code storage.cfg}. */
public enum StorageType {
    /** Files under a directory ({@code DirPlugin}). */
    DIR("dir"),
    /** Subvolumes on a btrfs filesystem ({@code BTRFSPlugin}). */
    BTRFS("btrfs"),
    /** Datasets and zvols in a local ZFS pool ({@code ZFSPoolPlugin}). */
    ZFSPOOL("zfspool");

    private final String id;

    StorageType(String id) {
        this.id = id;
    }

    /** The name in a section header: {@code dir}, {@code btrfs}, {@code zfspool}. */
    public String id() {
        return id;
    }

    /** The type with this exact (lowercase) name, or empty. */
    public static Optional<StorageType> fromId(String id) {
        for (StorageType t : values()) {
            if (t.id.equals(id)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
