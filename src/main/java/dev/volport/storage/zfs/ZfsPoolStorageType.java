package dev.volport.storage.zfs;

import static dev.volport.config.PropertyKind.BLOCKSIZE;
import static dev.volport.config.PropertyKind.BOOLEAN;
import static dev.volport.config.PropertyKind.BWLIMIT;
import static dev.volport.config.PropertyKind.CONTENT;
import static dev.volport.config.PropertyKind.MOUNTPOINT;
import static dev.volport.config.PropertyKind.NODES;
import static dev.volport.config.PropertyKind.POOL;

import dev.volport.config.SectionType;
import dev.volport.config.StorageSection;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageType;
import dev.volport.volume.ContentType;
import java.util.EnumSet;
import java.util.List;

/**
 * The {@code zfspool} storage type: its sections parse (reference §4.2: {@code pool} required, content images and
 * rootdir only, never {@code none}), opening one is not implemented yet.
 */
public final class ZfsPoolStorageType implements StorageType {
    public static final SectionType SECTION = new SectionType("zfspool", SectionType.properties(
            "pool", POOL, "content", CONTENT, "blocksize", BLOCKSIZE, "sparse", BOOLEAN, "mountpoint", MOUNTPOINT,
            "nodes", NODES, "disable", BOOLEAN, "bwlimit", BWLIMIT),
            "pool", EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR), false, List.of());

    @Override
    public SectionType section() {
        return SECTION;
    }

    @Override
    public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
        throw new StorageException("storage '" + section.id() + "': type 'zfspool' is not implemented yet");
    }
}
