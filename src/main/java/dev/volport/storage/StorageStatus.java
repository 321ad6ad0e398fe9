package dev.volport.storage;

import dev.volport.config.SectionType;
import dev.volport.volume.ContentType;
import dev.volport.volume.StoreId;
import java.util.Set;

/** Capacity and state of one configured storage; byte counts are 0 when the storage is not active. */
public record StorageStatus(StoreId id, SectionType type, boolean enabled, boolean active, long total, long used,
        long avail, Set<ContentType> content, boolean shared) {
}
