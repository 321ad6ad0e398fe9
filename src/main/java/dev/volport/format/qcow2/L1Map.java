package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Guest-to-host lookups through one L1 table (the active one or a snapshot's) of one image. The L1 table is read
 * in windows of {@value #WINDOW} entries and L2 tables are kept in a least-recently-used cache of at most
 * {@link Qcow2Limits#L2_CACHE_BYTES} (but at least 4 tables), so memory does not grow with the virtual size.
 * Every entry is checked when it is used: reserved bits, alignment, inside the file, and L2 tables never in
 * cluster 0, the active L1 table or the refcount table.
 */
final class L1Map {
    /** L1 entries read at a time (32 KiB). */
    static final int WINDOW = 4096;

    private final FileChannel file;
    private final Qcow2Header h;
    private final long fileLength;
    private final String where;
    private final long l1Offset;
    private final int l1Size;
    private final long virtualSize;
    private final long[] window = new long[WINDOW];
    private long windowStart = -1;
    private final ByteBuffer io;
    private final Map<Long, long[]> cache;

    L1Map(FileChannel file, Qcow2Header h, long fileLength, String where, long l1Offset, int l1Size,
            long virtualSize, Map<Long, long[]> sharedCache) {
        this.file = file;
        this.h = h;
        this.fileLength = fileLength;
        this.where = where;
        this.l1Offset = l1Offset;
        this.l1Size = l1Size;
        this.virtualSize = virtualSize;
        this.cache = sharedCache;
        this.io = ByteBuffer.allocate(h.clusterSize()).order(ByteOrder.BIG_ENDIAN);
    }

    /** A least-recently-used L2 cache for one image, keyed by host offset, bounded as the class says. */
    static Map<Long, long[]> newCache(int clusterSize) {
        int max = (int) Math.max(4, Qcow2Limits.L2_CACHE_BYTES / clusterSize);
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
                return size() > max;
            }
        };
    }

    /** Bytes of guest disk this table maps. */
    long virtualSize() {
        return virtualSize;
    }

    /** Describes this table in messages. */
    String where() {
        return where;
    }

    /**
     * The L2 table for L1 index {@code index} as raw 64-bit words (two per entry with extended L2), or null when
     * that range is unallocated.
     */
    long[] l2Table(long index) throws IOException {
        if (index >= l1Size) {
            return null;
        }
        if (windowStart < 0 || index < windowStart || index >= windowStart + WINDOW) {
            loadWindow(index - index % WINDOW);
        }
        long entry = window[(int) (index - windowStart)];
        if ((entry & Entries.L1_RESERVED) != 0) {
            throw new FormatException(String.format("%s: L1 entry %d (0x%016x) has reserved bits set", where, index,
                    entry));
        }
        long offset = entry & Entries.OFFSET_MASK;
        if (offset == 0) {
            return null;
        }
        long[] table = cache.get(offset);
        if (table == null) {
            table = readL2(index, offset);
            cache.put(offset, table);
        }
        return table;
    }

    private void loadWindow(long start) throws IOException {
        int n = (int) Math.min(WINDOW, l1Size - start);
        ByteBuffer buf = ByteBuffer.allocate(n * 8).order(ByteOrder.BIG_ENDIAN);
        Positional.readFully(file, buf, l1Offset + start * 8, where + ": L1 table");
        buf.flip().asLongBuffer().get(window, 0, n);
        windowStart = start;
    }

    private long[] readL2(long index, long offset) throws IOException {
        int cs = h.clusterSize();
        String what = String.format("%s: L1 entry %d points to an L2 table at 0x%x", where, index, offset);
        if (offset % cs != 0) {
            throw new FormatException(what + " not aligned to the cluster size " + cs);
        }
        if (offset > fileLength - cs) {
            throw new FormatException(what + " past the end of the file (" + fileLength + " bytes)");
        }
        if (offset < cs || overlaps(offset, h.l1TableOffset(), h.l1Size() * 8L)
                || overlaps(offset, h.refcountTableOffset(), (long) h.refcountTableClusters() * cs)) {
            throw new FormatException(what + " overlapping the header, the L1 table or the refcount table");
        }
        Positional.readFully(file, io.clear(), offset, what);
        long[] words = new long[cs / 8];
        io.flip().asLongBuffer().get(words);
        return words;
    }

    private boolean overlaps(long cluster, long start, long length) {
        return length > 0 && cluster < start + length && cluster + h.clusterSize() > start;
    }
}
