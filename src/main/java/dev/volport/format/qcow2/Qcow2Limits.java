package dev.volport.format.qcow2;

/**
 * The limits every qcow2 header and table is checked against before anything is allocated or read. They follow
 * QEMU's own implementation limits (qcow2.txt plus {@code block/qcow2.h}, summarised in image-formats.md A.5)
 * where QEMU has one, and are volport's choices (marked) where it has none. Sizes are in bytes unless named
 * otherwise.
 */
public final class Qcow2Limits {
    /** Smallest cluster: 512 bytes (the spec's minimum). */
    public static final int MIN_CLUSTER_BITS = 9;
    /** Largest cluster QEMU accepts: 2 MiB. */
    public static final int MAX_CLUSTER_BITS = 21;
    /** Extended L2 splits a cluster into 32 subclusters of at least 512 bytes, so clusters of 16 KiB and up. */
    public static final int MIN_CLUSTER_BITS_EXTENDED_L2 = 14;
    /** Largest refcount_order: 64-bit refcounts. */
    public static final int MAX_REFCOUNT_ORDER = 6;
    /** Largest active or snapshot L1 table: 32 MiB (4 Mi entries; 2 PiB of guest at 64 KiB clusters). */
    public static final long MAX_L1_BYTES = 32L << 20;
    /** Largest refcount table: 8 MiB. */
    public static final long MAX_REFCOUNT_TABLE_BYTES = 8L << 20;
    /** Most internal snapshots. */
    public static final int MAX_SNAPSHOTS = 65536;
    /** Largest snapshot table, all entries together: 64 MiB. */
    public static final long MAX_SNAPSHOT_TABLE_BYTES = 64L << 20;
    /** Largest extra data of one snapshot entry. */
    public static final int MAX_SNAPSHOT_EXTRA_DATA = 1024;
    /** Longest backing file name (the spec's maximum). */
    public static final int MAX_BACKING_FILE_NAME = 1023;
    /** Host offsets live in bits 9..55 of L1/L2 entries: every host offset is below 64 PiB. */
    public static final long MAX_HOST_OFFSET = 1L << 56;
    /** Largest virtual size volport accepts (volport's choice, QEMU's host-offset bound): 64 PiB. */
    public static final long MAX_VIRTUAL_SIZE = 1L << 56;
    /** Longest backing chain below one image (volport's choice; a loop is reported before this). */
    public static final int MAX_BACKING_DEPTH = 8;
    /** Bytes of L2 tables one open image keeps cached (volport's choice): 8 MiB, at least 4 tables. */
    public static final long L2_CACHE_BYTES = 8L << 20;
    /**
     * Host clusters the validator tracks (volport's choice): its five bitmaps take at most 5 x 16 MiB, enough
     * for files up to 8 TiB with 64 KiB clusters (64 GiB with 512-byte clusters, 256 TiB with 2 MiB clusters).
     */
    public static final long MAX_VALIDATED_HOST_CLUSTERS = 1L << 27;
    /**
     * Bytes of refcount blocks one snapshot operation ({@link Qcow2Snapshots}) changes in memory before writing
     * them (volport's choice): 64 MiB, the refcounts of 2 TiB of file with 64 KiB clusters and 16-bit refcounts.
     */
    public static final long MAX_EDITED_REFCOUNT_BYTES = 64L << 20;
    /** Longest snapshot id string written by {@link Qcow2Snapshots} (volport's choice; QEMU's ids are numbers). */
    public static final int MAX_SNAPSHOT_ID_LENGTH = 128;

    private Qcow2Limits() {
    }

    /** The cluster size for {@code clusterBits} (already checked to lie in the allowed range). */
    static int clusterSize(int clusterBits) {
        return 1 << clusterBits;
    }
}
