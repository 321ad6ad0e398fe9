package dev.volport.volume;

import java.util.Collection;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Choosing names for new disks on dir-like storages, per the reference's {@code get_next_vm_diskname}
 * ({@code pve-storage.md} §4.5). Pure: the caller lists the guest's existing files and holds the storage lock
 * between choosing and creating.
 */
public final class DiskNames {
    /** Disks per guest and storage: numbers run from 0 to 1023, as the reference's {@code $MAX_VOLUMES_PER_GUEST}. */
    public static final int MAX_VOLUMES_PER_GUEST = 1024;

    private DiskNames() {
    }

    /**
     * The first free file name {@code PREFIX-VMID-disk-N.FMT}: prefix {@code subvol} for {@link DiskFormat#SUBVOL},
     * else {@code vm}; the smallest {@code N} in {@code [0, 1024)} not used by any existing name. Numbering is
     * shared across formats and prefixes: as the reference does for storages that allow subvolumes, a name uses
     * {@code N} when it contains {@code (vm|base|subvol|basevol)-VMID-disk-N} anywhere (unanchored), and
     * {@code N} is compared as written (so {@code -disk-07} does not take 7, as in the reference).
     *
     * @param store             only for the error message
     * @param vmid              the guest, {@code >= 0}
     * @param format            an image format: raw, qcow2, vmdk or subvol
     * @param existingFileNames file names (not paths) already under {@code images/VMID/}
     * @return a file name such as {@code vm-100-disk-2.qcow2}
     * @throws VolumeNameException {@code unable to allocate an image name for VM VMID in storage 'STORE'} when all
     *         1024 numbers are taken, or when {@code format} is not an image format
     */
    public static String nextFree(StoreId store, int vmid, DiskFormat format, Collection<String> existingFileNames)
            throws VolumeNameException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(existingFileNames, "existingFileNames");
        if (vmid < 0) {
            throw new IllegalArgumentException("vmid must be >= 0, got " + vmid);
        }
        if (format == DiskFormat.OVA || format == DiskFormat.OVF) {
            throw new VolumeNameException("format '" + format.id() + "' is not a disk image format");
        }
        Pattern used = Pattern.compile("(vm|base|subvol|basevol)-" + vmid + "-disk-(\\d+)");
        Set<String> taken = new HashSet<>();
        for (String name : existingFileNames) {
            Matcher m = used.matcher(name);
            if (m.find()) {
                taken.add(m.group(2));
            }
        }
        String prefix = format == DiskFormat.SUBVOL ? "subvol" : "vm";
        for (int i = 0; i < MAX_VOLUMES_PER_GUEST; i++) {
            if (!taken.contains(Integer.toString(i))) {
                return prefix + "-" + vmid + "-disk-" + i + "." + format.id();
            }
        }
        throw new VolumeNameException("unable to allocate an image name for VM " + vmid + " in storage '"
                + store + "'");
    }
}
