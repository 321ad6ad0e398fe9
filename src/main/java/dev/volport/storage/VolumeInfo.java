package dev.volport.storage;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a storage knows about one volume.
 *
 * @param size        virtual size in bytes (0 for a subvolume without quota); for files that are not disk images
 *                    (ISOs, templates, backups, snippets), the file's size
 * @param used        bytes allocated on the storage (sparse files use less than {@code size})
 * @param parent      the base of a linked clone: the backing file as the image names it on file storages
 *                    ({@code ../9004/base-9004-disk-0.qcow2}, as the reference lists it), the base volume elsewhere
 * @param snapshots   names of the image's internal snapshots (qcow2), oldest first
 * @param formatLabel the format as the reference's listing shows it: the disk format's id for images, {@code iso},
 *                    {@code tgz}/{@code txz}/{@code tbz2}/{@code tzst}/{@code tar} for templates, the archive
 *                    extension for backups ({@code vma.zst}), {@code snippet}, {@code ova+qcow2} for OVA members,
 *                    {@code invalid} for an image that is not in the format its name claims
 * @param subtype     for a backup, the guest type its name gives ({@code qemu}, {@code lxc}, {@code openvz}) or
 *                    {@code unknown}
 */
public record VolumeInfo(VolumeId volid, ContentType content, DiskFormat format, long size, long used,
        OptionalInt vmid, Optional<String> parent, List<String> snapshots, Instant ctime, String formatLabel,
        Optional<String> subtype) {
    public VolumeInfo {
        snapshots = List.copyOf(snapshots);
        Objects.requireNonNull(formatLabel, "formatLabel");
        Objects.requireNonNull(subtype, "subtype");
    }

    /** A volume whose listed format is its disk format's id, without a subtype. */
    public VolumeInfo(VolumeId volid, ContentType content, DiskFormat format, long size, long used,
            OptionalInt vmid, Optional<String> parent, List<String> snapshots, Instant ctime) {
        this(volid, content, format, size, used, vmid, parent, snapshots, ctime, format.id(), Optional.empty());
    }
}
