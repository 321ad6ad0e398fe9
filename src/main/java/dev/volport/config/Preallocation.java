package dev.volport.config;

import java.util.Optional;

/**
 * The {@code preallocation} property ({@code pve-storage.md} §4.2): how new qcow2/raw files are allocated.
 * The reference's default is {@link #METADATA}, which for raw files means {@link #OFF}.
 */
public enum Preallocation {
    /** Allocate nothing up front: sparse files. */
    OFF("off"),
    /** Allocate qcow2 metadata only. */
    METADATA("metadata"),
    /** Reserve the blocks with {@code fallocate}. */
    FALLOC("falloc"),
    /** Write every block. */
    FULL("full");

    private final String id;

    Preallocation(String id) {
        this.id = id;
    }

    /** The value as written in {@code storage.cfg}. */
    public String id() {
        return id;
    }

    /** The mode with this exact (lowercase) name, or empty. */
    public static Optional<Preallocation> fromId(String id) {
        for (Preallocation p : values()) {
            if (p.id.equals(id)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
