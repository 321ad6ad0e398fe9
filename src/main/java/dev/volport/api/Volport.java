package dev.volport.api;

import dev.volport.config.SectionType;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.btrfs.BtrfsStorageType;
import dev.volport.storage.dir.DirStorageType;
import dev.volport.storage.zfs.ZfsPoolStorageType;
import java.util.List;

/**
 * The composition root: the one place that names the built-in storage types. The CLI and embedders get their
 * registries through it.
 */
public final class Volport {
    private Volport() {
    }

    /** The storage types volport ships, in the order an error lists them: dir, btrfs, zfspool. */
    public static List<StorageType> builtInTypes() {
        return List.of(new DirStorageType(), new BtrfsStorageType(), new ZfsPoolStorageType());
    }

    /** The section types of {@link #builtInTypes()}: what {@code storage.cfg} may contain. */
    public static List<SectionType> builtInSections() {
        return StorageRegistry.sectionTypes(builtInTypes());
    }

    /**
     * The section type of the built-in storage type {@code id}.
     *
     * @throws IllegalArgumentException when no built-in type has that name
     */
    public static SectionType section(String id) {
        return SectionType.find(builtInSections(), id)
                .orElseThrow(() -> new IllegalArgumentException("no built-in storage type '" + id + "'"));
    }
}
