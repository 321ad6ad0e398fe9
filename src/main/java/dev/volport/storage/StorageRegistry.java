package dev.volport.storage;

import dev.volport.VolportException;
import dev.volport.config.SectionType;
import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.volume.StoreId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Opens the storages of a configuration, each through the {@link StorageType} registered under its section's type
 * name. Knows no storage type itself: the types are given (see {@code dev.volport.api.Volport}).
 */
public final class StorageRegistry {
    private final Map<String, StorageType> types;
    private final StorageConfig config;
    private final StorageEnvironment env;

    /**
     * @throws IllegalArgumentException when two types share a name
     */
    public StorageRegistry(List<? extends StorageType> types, StorageConfig config, StorageEnvironment env) {
        this.types = byName(types);
        this.config = Objects.requireNonNull(config, "config");
        this.env = Objects.requireNonNull(env, "env");
    }

    private static Map<String, StorageType> byName(List<? extends StorageType> types) {
        Map<String, StorageType> m = new LinkedHashMap<>();
        for (StorageType t : types) {
            if (m.put(t.id(), t) != null) {
                throw new IllegalArgumentException("storage type '" + t.id() + "' is registered twice");
            }
        }
        return m;
    }

    /** The section types of {@code types}, in order: what {@link StorageConfig#parse} needs. */
    public static List<SectionType> sectionTypes(List<? extends StorageType> types) {
        return byName(types).values().stream().map(StorageType::section).toList();
    }

    public StorageConfig config() {
        return config;
    }

    public StorageEnvironment env() {
        return env;
    }

    /**
     * The storage with this id.
     *
     * @throws StorageException when it is not configured, disabled, or of a type volport does not drive yet
     */
    public Storage open(StoreId id) throws VolportException {
        StorageSection section = config.require(id);
        if (section.disabled()) {
            throw new StorageException("storage '" + id + "' is disabled");
        }
        return open(section);
    }

    /** The storage for a section, without the disabled check (for {@code status}). */
    public Storage open(StorageSection section) throws StorageException {
        StorageType type = types.get(section.type().id());
        if (type == null || !type.section().equals(section.type())) {
            throw new StorageException("storage '" + section.id() + "': type '" + section.type().id()
                    + "' is not registered");
        }
        return type.open(section, env);
    }
}
