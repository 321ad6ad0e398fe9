package dev.volport.format.tar;

/**
 * Bounds on what {@link TarImporter} accepts from a stream. Every count, length and size the stream claims is
 * checked against these before anything is read, allocated or created; exceeding one is a
 * {@link dev.volport.format.FormatException} naming the entry, the limit and the stream offset.
 *
 * <p>Memory used by an import is bounded by these values alone: one pax header ({@link #maxPaxHeaderBytes}),
 * one sparse map (16 bytes per extent, {@link #maxSparseExtents}) and one pending-directory record per level
 * ({@link #maxDepth}); the stream is never buffered whole.
 *
 * @param maxPaxHeaderBytes  largest pax extended header (type {@code x} or {@code g}) accepted, in bytes; it is
 *                           refused from its size field, before any of it is read
 * @param maxPathBytes       longest entry name or link target in bytes ({@code PATH_MAX} is 4096)
 * @param maxNameBytes       longest single name component in bytes ({@code NAME_MAX} is 255)
 * @param maxDepth           deepest nesting of directories below the target
 * @param maxEntries         most entries in one stream (every header counts, the end marker does not)
 * @param maxFileBytes       largest size of one file, stored or (for sparse files) real, in bytes
 * @param maxTotalBytes      largest sum of the real sizes of all files, in bytes (a quota; holes count)
 * @param maxSparseExtents   most data extents in one sparse file's map
 * @param allowSpecialFiles  whether character/block devices and FIFOs are created ({@code mknod}); when false
 *                           they are refused. A container root filesystem needs them ({@code /dev/null} ...)
 * @param allowSetidBits     whether setuid, setgid and sticky bits are restored; when false an entry carrying
 *                           them is refused
 */
public record TarLimits(int maxPaxHeaderBytes, int maxPathBytes, int maxNameBytes, int maxDepth, long maxEntries,
        long maxFileBytes, long maxTotalBytes, int maxSparseExtents, boolean allowSpecialFiles,
        boolean allowSetidBits) {

    /**
     * The defaults: 1 MiB pax headers, {@code PATH_MAX}/{@code NAME_MAX} names, depth 256, 10 million entries,
     * 16 TiB per file and in total, 1 Mi extents per sparse file (16 MiB of map), and full fidelity for a
     * container root filesystem (devices, FIFOs and setuid/setgid/sticky bits restored).
     */
    public static final TarLimits DEFAULTS = new TarLimits(1 << 20, 4096, 255, 256, 10_000_000L, 1L << 44,
            1L << 44, 1 << 20, true, true);

    public TarLimits {
        if (maxPaxHeaderBytes < 512 || maxPathBytes < 1 || maxNameBytes < 1 || maxDepth < 1 || maxEntries < 1
                || maxFileBytes < 0 || maxTotalBytes < 0 || maxSparseExtents < 1) {
            throw new IllegalArgumentException("tar limits out of range: " + this);
        }
    }

    /** These limits with another quota for the sum of file sizes. */
    public TarLimits withMaxTotalBytes(long bytes) {
        return new TarLimits(maxPaxHeaderBytes, maxPathBytes, maxNameBytes, maxDepth, maxEntries, maxFileBytes,
                bytes, maxSparseExtents, allowSpecialFiles, allowSetidBits);
    }

    /** These limits with another per-file size bound. */
    public TarLimits withMaxFileBytes(long bytes) {
        return new TarLimits(maxPaxHeaderBytes, maxPathBytes, maxNameBytes, maxDepth, maxEntries, bytes,
                maxTotalBytes, maxSparseExtents, allowSpecialFiles, allowSetidBits);
    }

    /** These limits with another entry count and depth bound. */
    public TarLimits withMaxEntries(long entries, int depth) {
        return new TarLimits(maxPaxHeaderBytes, maxPathBytes, maxNameBytes, depth, entries, maxFileBytes,
                maxTotalBytes, maxSparseExtents, allowSpecialFiles, allowSetidBits);
    }

    /** These limits refusing devices, FIFOs and setuid/setgid/sticky bits (for content that is not a root fs). */
    public TarLimits withoutSpecialFiles() {
        return new TarLimits(maxPaxHeaderBytes, maxPathBytes, maxNameBytes, maxDepth, maxEntries, maxFileBytes,
                maxTotalBytes, maxSparseExtents, false, false);
    }
}
