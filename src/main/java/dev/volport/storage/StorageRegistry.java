package dev.volport.storage;

import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.storage.dir.DirStorage;
import dev.volport.volume.StoreId;
import java.util.Objects;

/** Opens the storages of a configuration: one plugin per storage type. */
public final class StorageRegistry {
    private final StorageConfig config;
    private final StorageEnvironment env;

    public StorageRegistry(StorageConfig config, StorageEnvironment env) {
        this.config = Objects.requireNonNull(config, "config");
        this.env = Objects.requireNonNull(env, "env");
    }

    public StorageConfig config() {
        return config;
    }

    /**
     * The storage with this id.
     *
     * @throws StorageException when it is not configured, disabled, or of a type volport does not drive yet
     */
    public Storage open(StoreId id) throws dev.volport.VolportException {
        StorageSection section = config.require(id);
        if (section.disabled()) {
            throw new StorageException("storage '" + id + "' is disabled");
        }
        return open(section);
    }

    /** The storage for a section, without the disabled check (for {@code status}). */
    public Storage open(StorageSection section) throws StorageException {
        return switch (section.type()) {
            case DIR -> new DirStorage(section, env);
            case BTRFS, ZFSPOOL -> throw new StorageException("storage '" + section.id() + "': type '"
                    + section.type().id() + "' is not implemented yet");
        };
    }
}
