package dev.volport.format.qcow2;

/**
 * Bit layouts of L1, L2 and refcount table entries (qcow2.txt "Cluster mapping", "Compressed Clusters
 * Descriptor", "Host cluster management"; image-formats.md A.6-A.9).
 */
final class Entries {
    /** L1 entry bit 63 and L2 entry bit 63: refcount is exactly 1. */
    static final long COPIED = 1L << 63;
    /** L2 entry bit 62: compressed cluster. */
    static final long COMPRESSED = 1L << 62;
    /** Bits 9..55: an L2 table offset in an L1 entry, a host cluster offset in a standard L2 entry. */
    static final long OFFSET_MASK = 0x00ff_ffff_ffff_fe00L;
    /** L1 entry bits 0-8 and 56-62 must be zero. */
    static final long L1_RESERVED = 0x7f00_0000_0000_01ffL;
    /** Standard L2 entry bits 1-8 and 56-61 must be zero. */
    static final long L2_RESERVED = 0x3f00_0000_0000_01feL;
    /** Standard L2 entry bit 0 (v3 without extended L2): the cluster reads as zeros. */
    static final long ZERO_FLAG = 1L;
    /** Refcount table entry bits 0-8 must be zero. */
    static final long REFTABLE_RESERVED = 0x1ffL;
    /** Subclusters per cluster with extended L2. */
    static final int SUBCLUSTERS = 32;

    private Entries() {
    }

    /** Bits of the host offset in a compressed descriptor: {@code 62 - (cluster_bits - 8)}. */
    static int compressedOffsetBits(int clusterBits) {
        return 62 - (clusterBits - 8);
    }

    /** Byte offset (not aligned) where a compressed cluster's data starts. */
    static long compressedOffset(long entry, int clusterBits) {
        return entry & ((1L << compressedOffsetBits(clusterBits)) - 1);
    }

    /**
     * Upper bound of the compressed data's length: the additional 512-byte sectors after the one holding the
     * start, plus the rest of that sector.
     */
    static long compressedSpan(long entry, int clusterBits) {
        long offset = compressedOffset(entry, clusterBits);
        long sectors = (entry >>> compressedOffsetBits(clusterBits)) & ((1L << (clusterBits - 8)) - 1);
        return (sectors + 1) * 512 - (offset & 511);
    }

    /**
     * How many bytes of a compressed span to read, or -1 when it does not lie in the file: the span must start
     * inside the file and only its last 512-byte sector may run past the end (QEMU does not pad the file after
     * the last compressed cluster).
     */
    static long compressedReadable(long offset, long span, long fileLength) {
        if (offset >= fileLength || offset + span - fileLength >= 512) {
            return -1;
        }
        return Math.min(span, fileLength - offset);
    }
}
