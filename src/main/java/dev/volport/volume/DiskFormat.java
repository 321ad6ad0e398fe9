package dev.volport.volume;

import java.util.Optional;

/**
 * The on-storage format of a volume as the volume name states it ({@code pve-storage.md} §4.2, §4.3). It is
 * the name's claim, not a probe of the bytes: importers still validate content before committing.
 */
public enum DiskFormat {
    /** A plain image file (also iso, vztmpl and snippet files). */
    RAW("raw"),
    /** A qcow2 image; may carry internal snapshots. */
    QCOW2("qcow2"),
    /** A single-file VMDK image. */
    VMDK("vmdk"),
    /** A directory (container subvolume), exported as {@code tar+size}. */
    SUBVOL("subvol"),
    /** An OVA appliance archive under {@code import/}. */
    OVA("ova"),
    /** An OVF descriptor under {@code import/}. */
    OVF("ovf");

    private final String id;

    DiskFormat(String id) {
        this.id = id;
    }

    /** The lowercase name used in volume names and {@code storage.cfg}: {@code raw}, {@code qcow2}, … */
    public String id() {
        return id;
    }

    /** The format with this exact (lowercase) id, or empty. */
    public static Optional<DiskFormat> fromId(String id) {
        for (DiskFormat f : values()) {
            if (f.id.equals(id)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
