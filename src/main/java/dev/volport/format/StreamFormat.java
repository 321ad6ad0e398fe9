package dev.volport.format;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The transport formats a volume travels in, with their wire names. The first six are Proxmox VE's
 * ({@code $KNOWN_EXPORT_FORMATS}) and keep the reference's meaning byte for byte; {@code raw+sparse} is volport's
 * own; see {@code docs/formats.md}.
 */
public enum StreamFormat {
    /** u64 LE size in bytes, then exactly that many bytes of raw image. */
    RAW_SIZE("raw+size", true),
    /** u64 LE size (0 for a directory without quota), then a tar stream of the subvolume's inner contents. */
    TAR_SIZE("tar+size", true),
    /** u64 LE virtual size, then the qcow2 file as it is on disk, to EOF. */
    QCOW2_SIZE("qcow2+size", true),
    /** u64 LE virtual size, then the single-file VMDK as it is on disk, to EOF. */
    VMDK_SIZE("vmdk+size", true),
    /** A {@code zfs send} replication stream, no header. */
    ZFS("zfs", false),
    /** One or more {@code btrfs send} streams, no header. */
    BTRFS("btrfs", false),
    /**
     * volport's own: a header with magic, version and virtual size, then data and zero records with CRC32C, then the
     * record count and the content digest ({@code format.sparse}); the reference does not know it.
     */
    RAW_SPARSE("raw+sparse", false);

    /** The reference's list, in its order ({@code $KNOWN_EXPORT_FORMATS}). */
    public static final List<StreamFormat> REFERENCE = List.of(RAW_SIZE, TAR_SIZE, QCOW2_SIZE, VMDK_SIZE, ZFS, BTRFS);
    /** Every format volport knows: the reference's, then its own; the values the CLI's format argument accepts. */
    public static final List<StreamFormat> KNOWN = List.of(values());

    private final String wireName;
    private final boolean sizeHeader;

    StreamFormat(String wireName, boolean sizeHeader) {
        this.wireName = wireName;
        this.sizeHeader = sizeHeader;
    }

    /** The name on the command line and in format lists, e.g. {@code raw+size}. */
    public String wireName() {
        return wireName;
    }

    /** Whether the stream starts with the 8-byte little-endian size header. */
    public boolean hasSizeHeader() {
        return sizeHeader;
    }

    /** The format with this wire name, if volport knows it. */
    public static Optional<StreamFormat> byWireName(String name) {
        return Arrays.stream(values()).filter(f -> f.wireName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
