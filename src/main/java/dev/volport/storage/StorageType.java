package dev.volport.storage;

import dev.volport.config.SectionType;
import dev.volport.config.StorageSection;

/**
 * A storage type as a plugin: its name, the {@code storage.cfg} properties its sections take, and how a section of
 * it becomes a {@link Storage}. A {@link StorageRegistry} is built from a list of these; the library's composition
 * root ({@code dev.volport.api.Volport}) lists the built-in ones, and an embedder or a test may add its own with no
 * change anywhere else.
 */
public interface StorageType {
    /** The name in a section header ({@code dir}, {@code zfspool}, …); the same as {@code section().id()}. */
    default String id() {
        return section().id();
    }

    /** What a section of this type may contain; the configuration parser checks sections against it. */
    SectionType section();

    /**
     * Opens the storage a section describes. Does no I/O that could fail on an absent or unmounted storage: each
     * operation checks that itself, so that {@code status} can report such a storage.
     *
     * @throws StorageException when the section cannot describe a usable storage of this type, or the type is not
     *                          implemented yet
     */
    Storage open(StorageSection section, StorageEnvironment env) throws StorageException;
}
