package dev.volport.storage;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a storage knows about one volume.
 *
 * @param size   virtual size in bytes (0 for a subvolume without quota)
 * @param used   bytes allocated on the storage (sparse files use less than {@code size})
 * @param parent    the base volume of a linked clone, as a volume name
 * @param snapshots names of the image's internal snapshots (qcow2), oldest first
 */
public record VolumeInfo(VolumeId volid, ContentType content, DiskFormat format, long size, long used,
        OptionalInt vmid, Optional<String> parent, List<String> snapshots, Instant ctime) {
    public VolumeInfo {
        snapshots = List.copyOf(snapshots);
    }
}
