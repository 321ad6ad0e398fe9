package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeName;
import java.util.List;
import java.util.Map;

/**
 * The target's volume name when the caller gives none, as {@code storage_migrate} chooses it: the same name for a
 * storage of the same type, else the reference's {@code volname_for_storage}: the disk format must be one the
 * target type holds ({@code unsupported format 'F' for storage type T}), the name loses its {@code .FMT}, and a
 * storage with a {@code path} gets {@code VMID/NAME.FMT} while the others get {@code NAME}
 * ({@code mylvm:vm-123-disk-4} ↔ {@code mydir:123/vm-123-disk-4.raw}).
 */
public final class VolnameMapping {
    /** The disk formats each storage type holds (the reference's {@code get_formats()->{valid}}). */
    private static final Map<String, List<DiskFormat>> VALID = Map.of(
            "dir", List.of(DiskFormat.RAW, DiskFormat.QCOW2, DiskFormat.VMDK, DiskFormat.SUBVOL),
            "btrfs", List.of(DiskFormat.RAW, DiskFormat.SUBVOL),
            "zfspool", List.of(DiskFormat.RAW, DiskFormat.SUBVOL),
            "lvm", List.of(DiskFormat.RAW),
            "lvmthin", List.of(DiskFormat.RAW));

    private VolnameMapping() {
    }

    /**
     * The name {@code source} (of a storage of type {@code sourceType}) gets on a storage of type
     * {@code targetType}, which has a {@code path} when {@code pathStorage}.
     *
     * @throws VolportException when the target type cannot hold the volume's format, or the name says no guest
     */
    public static String forStorage(VolumeName source, String sourceType, String targetType, boolean pathStorage)
            throws VolportException {
        if (sourceType.equals(targetType)) {
            return source.volname();
        }
        DiskFormat format = source.format();
        List<DiskFormat> valid = VALID.get(targetType);
        if (valid != null && !valid.contains(format)) {
            throw new VolportException("unsupported format '" + format.id() + "' for storage type " + targetType);
        }
        String text = source.volname();
        String name = text.substring(text.lastIndexOf('/') + 1);
        String suffix = "." + format.id();
        String bare = name.endsWith(suffix) ? name.substring(0, name.length() - suffix.length()) : name;
        if (!pathStorage) {
            return bare;
        }
        if (source.vmid().isEmpty()) {
            throw new VolportException("cannot name " + text + " on a storage of type " + targetType
                    + ": the name belongs to no guest");
        }
        return source.vmid().getAsInt() + "/" + bare + suffix;
    }
}
