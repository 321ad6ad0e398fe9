package dev.volport.storage.dir;

import static dev.volport.config.PropertyKind.BOOLEAN;
import static dev.volport.config.PropertyKind.BWLIMIT;
import static dev.volport.config.PropertyKind.CONTENT;
import static dev.volport.config.PropertyKind.CONTENT_DIRS;
import static dev.volport.config.PropertyKind.FORMAT;
import static dev.volport.config.PropertyKind.IS_MOUNTPOINT;
import static dev.volport.config.PropertyKind.MAX_PROTECTED;
import static dev.volport.config.PropertyKind.NODES;
import static dev.volport.config.PropertyKind.PATH;
import static dev.volport.config.PropertyKind.PREALLOCATION;
import static dev.volport.config.PropertyKind.PRUNE_BACKUPS;

import dev.volport.config.SectionType;
import dev.volport.config.StorageSection;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageType;
import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import java.util.EnumSet;
import java.util.List;

/** The {@code dir} storage type: its {@code storage.cfg} properties (reference §4.2) and {@link DirStorage}. */
public final class DirStorageType implements StorageType {
    /** {@code path} (required), the reference's DirPlugin properties; every content type; raw, qcow2, vmdk, subvol. */
    public static final SectionType SECTION = new SectionType("dir", SectionType.properties(
            "path", PATH, "content", CONTENT, "format", FORMAT, "preallocation", PREALLOCATION, "shared", BOOLEAN,
            "disable", BOOLEAN, "nodes", NODES, "bwlimit", BWLIMIT, "mkdir", BOOLEAN, "create-base-path", BOOLEAN,
            "create-subdirs", BOOLEAN, "is_mountpoint", IS_MOUNTPOINT, "content-dirs", CONTENT_DIRS,
            "prune-backups", PRUNE_BACKUPS, "max-protected-backups", MAX_PROTECTED),
            "path", EnumSet.allOf(ContentType.class), true,
            List.of(DiskFormat.RAW, DiskFormat.QCOW2, DiskFormat.VMDK, DiskFormat.SUBVOL));

    @Override
    public SectionType section() {
        return SECTION;
    }

    @Override
    public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
        return new DirStorage(section, env);
    }
}
