package dev.volport.format.vmdk;

/**
 * The limits every value read from a VMDK file is checked against before it is used to seek, size a buffer or
 * loop. They follow what QEMU 7.2 and VMware write, and what QEMU and OpenStack's format inspector accept, a little
 * tighter where a tighter bound costs no real image (see {@code image-formats.md} B.3-B.5).
 */
public final class VmdkLimits {
    /** Bytes per sector: every offset and size in the header counts in these units. */
    public static final int SECTOR = 512;

    /**
     * Largest capacity in sectors: 2^32 (2 TiB). Grain table entries are u32 sector numbers, so an extent cannot
     * address more (QEMU's {@code VMDK_EXTENT_MAX_SECTORS}).
     */
    public static final long MAX_CAPACITY_SECTORS = 1L << 32;

    /** Smallest grain in sectors: 8 (4 KiB), the floor the VMware note gives. */
    public static final long MIN_GRAIN_SECTORS = 8;

    /**
     * Largest grain in sectors: 2048 (1 MiB). Writers use 128 (64 KiB); QEMU reads up to 1 GiB, but a grain is the
     * unit of one inflate buffer here, so it stays small.
     */
    public static final long MAX_GRAIN_SECTORS = 2048;

    /** The only grain-table length accepted: 512 entries (one 2 KiB table), what every writer uses. */
    public static final int GTES_PER_GT = 512;

    /** Largest embedded descriptor: 2048 sectors (1 MiB), OpenStack's bound; QEMU reads at most this much. */
    public static final long MAX_DESCRIPTOR_SECTORS = 2048;

    /** Most lines in a descriptor; QEMU writes about 20. */
    public static final int MAX_DESCRIPTOR_LINES = 4096;

    /** Longest descriptor line in characters; QEMU accepts extent file names of up to 511 characters. */
    public static final int MAX_DESCRIPTOR_LINE = 1024;

    /**
     * Largest compressed grain (the marker's size field) for a grain of {@code grainBytes}: deflate never needs more
     * than a few bytes per 16 KiB over the input, so twice the grain plus a sector is generous.
     */
    public static long maxCompressedGrain(long grainBytes) {
        return 2 * grainBytes + SECTOR;
    }

    private VmdkLimits() {
    }
}
