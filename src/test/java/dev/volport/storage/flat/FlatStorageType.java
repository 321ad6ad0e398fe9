package dev.volport.storage.flat;

import dev.volport.config.PropertyKind;
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

/**
 * A test-only storage type, {@code flat: ID} with {@code path}: volumes are files in one folder. It plugs into the
 * storage SPI with no change to config, transfer, the CLI or {@code storage.dir}, which is what it proves.
 */
public final class FlatStorageType implements StorageType {
    public static final SectionType SECTION = new SectionType("flat", SectionType.properties(
            "path", PropertyKind.PATH, "content", PropertyKind.CONTENT, "disable", PropertyKind.BOOLEAN,
            "shared", PropertyKind.BOOLEAN), "path", EnumSet.of(ContentType.IMAGES), false,
            List.of(DiskFormat.RAW, DiskFormat.QCOW2, DiskFormat.VMDK));

    @Override
    public SectionType section() {
        return SECTION;
    }

    @Override
    public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
        return new FlatStorage(section, env);
    }
}
