package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The refcounts of one image as an operation of {@link Qcow2Snapshots} changes them (qcow2.txt "Host cluster
 * management"; image-formats.md A.9), kept in memory until {@link #write}. Refcount blocks are read when first
 * touched; together they may take at most {@link Qcow2Limits#MAX_EDITED_REFCOUNT_BYTES}, so memory does not grow
 * with the image beyond that bound (an operation touching more is refused before anything is written).
 *
 * <p>Nothing the current header reaches is ever overwritten: {@link #commit} gives every changed refcount block a
 * new cluster and plans a new refcount table, so that the header's switch to the new table is the one step that
 * makes the new refcounts current. The old table and the old copies of the changed blocks get refcount 0 in the
 * new ones. New clusters are appended at the end of the file, skipping any cluster there that already has a
 * refcount; free space inside the file is not searched. A new refcount table has room for the blocks needed
 * (twice as many when it has to grow), at most {@link Qcow2Limits#MAX_REFCOUNT_TABLE_BYTES}. Every width of
 * refcount_order 0-6 is handled; a refcount that would exceed the width's maximum is refused.
 */
final class RefcountEditor {
    private final FileChannel file;
    private final String where;
    private final int cs;
    private final int clusterBits;
    private final int width;
    private final long max;
    private final long perBlock;
    private final long fileLength;
    private final long oldTableOffset;
    private final int oldTableClusters;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    private boolean committed;
    /** Loaded or new blocks by table index. */
    private final Map<Long, Block> blocks = new TreeMap<>();
    /** The first cluster not yet used: the end of the file, rounded up, plus what was allocated. */
    private long nextFree;

    /** One refcount block in memory: where it will be written, and whether that is a new cluster already. */
    private static final class Block {
        final long index;
        long offset;
        final ByteBuffer data;
        boolean dirty;
        boolean moved;

        Block(long index, long offset, ByteBuffer data, boolean moved) {
            this.index = index;
            this.offset = offset;
            this.data = data;
            this.dirty = moved;
            this.moved = moved;
        }
    }

    /**
     * Reads the refcount table of {@code h} (blocks are read on demand).
     *
     * @param where names the image in messages
     */
    RefcountEditor(FileChannel file, Qcow2Header h, long fileLength, String where) throws IOException {
        this.file = file;
        this.where = where;
        this.cs = h.clusterSize();
        this.clusterBits = h.clusterBits();
        this.width = h.refcountBits();
        this.max = width == 64 ? Long.MAX_VALUE : (1L << width) - 1;
        this.perBlock = (long) cs * 8 / width;
        this.fileLength = fileLength;
        this.oldTableOffset = h.refcountTableOffset();
        this.oldTableClusters = h.refcountTableClusters();
        this.tableOffset = oldTableOffset;
        this.tableClusters = oldTableClusters;
        ByteBuffer buf = ByteBuffer.allocate(oldTableClusters * cs).order(ByteOrder.BIG_ENDIAN);
        Positional.readFully(file, buf, oldTableOffset, where + ": refcount table");
        this.table = new long[oldTableClusters * cs / 8];
        buf.flip().asLongBuffer().get(table);
        for (int i = 0; i < table.length; i++) {
            long e = table[i];
            if (e != 0 && ((e & Entries.REFTABLE_RESERVED) != 0 || e >= Qcow2Limits.MAX_HOST_OFFSET
                    || e > fileLength - cs)) {
                throw new FormatException(String.format("%s: refcount table entry %d (0x%x) is not a cluster"
                        + " inside the file (%d bytes)", where, i, e, fileLength));
            }
        }
        this.nextFree = (fileLength + cs - 1) >>> clusterBits;
    }

    /** The refcount of host cluster {@code cluster} (an index, not an offset); 0 where no block exists. */
    long get(long cluster) throws IOException {
        Block b = block(cluster / perBlock, false);
        return b == null ? 0 : read(b.data, (int) (cluster % perBlock));
    }

    /**
     * Adds {@code delta} to the refcount of every cluster that bytes [offset, offset + length) touch.
     *
     * @param existing whether the clusters are in use already: then each must have a refcount of at least 1
     * @throws FormatException when a refcount would drop below 0, exceed the width's maximum, or is 0 for a
     *     cluster in use (the image's refcounts are then inconsistent; nothing has been written)
     */
    void addRange(long offset, long length, long delta, boolean existing, String what) throws IOException {
        for (long c = offset >>> clusterBits; c <= (offset + length - 1) >>> clusterBits; c++) {
            add(c, delta, existing, what);
        }
    }

    private void add(long cluster, long delta, boolean existing, String what) throws IOException {
        Block b = block(cluster / perBlock, delta > 0 && !existing);
        int i = (int) (cluster % perBlock);
        long old = b == null ? 0 : read(b.data, i);
        long now = old + delta;
        if (existing && old == 0) {
            throw new FormatException(host(cluster, what) + " is in use but has refcount 0; repair the image with"
                    + " qemu-img check -r all first");
        }
        if (now < 0) {
            throw new FormatException(host(cluster, what) + ": refcount " + old + " would drop below 0; the"
                    + " image's refcounts are inconsistent, repair it with qemu-img check -r all first");
        }
        if (now > max || (delta > 0 && now < old)) {
            throw new FormatException(host(cluster, what) + ": refcount would exceed " + max + ", the most a "
                    + width + "-bit refcount holds (refcount_order " + Integer.numberOfTrailingZeros(width) + ")");
        }
        write(b.data, i, now);
        b.dirty = true;
    }

    /** Names a host cluster in messages; built only when one is needed. */
    private String host(long cluster, String what) {
        return String.format("%s: host cluster 0x%x (%s)", where, cluster << clusterBits, what);
    }

    /**
     * Takes whole clusters for {@code bytes} (at least one byte) at the end of the file and gives them refcount 1.
     *
     * @return the byte offset of the first cluster
     */
    long allocate(long bytes, String what) throws IOException {
        long clusters = (bytes + cs - 1) >>> clusterBits;
        long first = takeFree(clusters, what);
        addRange(first << clusterBits, clusters << clusterBits, 1, false, what);
        return first << clusterBits;
    }

    /**
     * Reserves {@code clusters} free clusters in a row from {@link #nextFree}: a cluster past the end of the file
     * that still has a refcount (stale, or something QEMU allocated past it) is skipped, never taken twice.
     */
    private long takeFree(long clusters, String what) throws IOException {
        long first = nextFree;
        for (long c = first; c < first + clusters; c++) {
            if (get(c) != 0) {
                first = c + 1;
            }
        }
        nextFree = first + clusters;
        checkHostOffset(nextFree, what);
        return first;
    }

    /** Where the new refcount table goes (after {@link #commit}). */
    long tableOffset() {
        return tableOffset;
    }

    /** Clusters of the new refcount table (after {@link #commit}). */
    int tableClusters() {
        return tableClusters;
    }

    /**
     * Plans the new copies: a new refcount table, and a new cluster for every changed block that still lies where
     * the current table points; the clusters they leave get refcount 0. Call once, after the last change.
     */
    void commit() throws IOException {
        if (tableOffset == oldTableOffset) {
            relocateTable(table.length);
        }
        boolean moved;
        do {
            moved = false;
            for (Block b : List.copyOf(blocks.values())) {
                if (b.dirty && !b.moved) {
                    long old = b.offset;
                    b.moved = true;
                    b.offset = allocate(cs, "copy of a refcount block");
                    table[(int) b.index] = b.offset;
                    addRange(old, cs, -1, true, "previous copy of a refcount block");
                    moved = true;
                }
            }
        } while (moved);
        committed = true;
    }

    /**
     * Writes the changed refcount blocks and the new refcount table, all to clusters the current header does not
     * reach (see {@link #commit}); does not flush.
     */
    void write() throws IOException {
        if (!committed) {
            throw new IllegalStateException("refcounts written before commit");
        }
        for (Block b : blocks.values()) {
            if (b.dirty) {
                writeFully(b.data.clear(), b.offset);
            }
        }
        ByteBuffer buf = ByteBuffer.allocate(tableClusters * cs).order(ByteOrder.BIG_ENDIAN);
        buf.asLongBuffer().put(table);
        writeFully(buf, tableOffset);
    }

    /** The block of table index {@code index}: loaded, or new when {@code create} and there is none. */
    private Block block(long index, boolean create) throws IOException {
        Block b = blocks.get(index);
        if (b != null) {
            return b;
        }
        long entry = index < table.length ? table[(int) index] : 0;
        if (entry == 0 && !create) {
            return null;
        }
        if ((long) (blocks.size() + 1) * cs > Qcow2Limits.MAX_EDITED_REFCOUNT_BYTES) {
            throw new FormatException(where + ": the operation changes refcounts in more than "
                    + Qcow2Limits.MAX_EDITED_REFCOUNT_BYTES / cs + " refcount blocks ("
                    + Qcow2Limits.MAX_EDITED_REFCOUNT_BYTES + " bytes), more than volport keeps in memory");
        }
        ByteBuffer data = ByteBuffer.allocate(cs).order(ByteOrder.BIG_ENDIAN);
        if (entry != 0) {
            Positional.readFully(file, data, entry, where + ": refcount block of table entry " + index);
            b = new Block(index, entry, data, false);
            blocks.put(index, b);
            return b;
        }
        // A new block at the end of the file; it may need a larger table first, and it counts itself.
        if (committed) {
            throw new IllegalStateException("refcounts changed after commit");
        }
        if (index >= table.length) {
            relocateTable(index + 1);
            // The new table's own refcounts may have created this very block already.
            Block made = blocks.get(index);
            if (made != null) {
                return made;
            }
        }
        long offset = takeFree(1, "refcount block") << clusterBits;
        b = new Block(index, offset, data, true);
        blocks.put(index, b);
        table[(int) index] = offset;
        add(offset >>> clusterBits, 1, false, "new refcount block");
        return b;
    }

    /**
     * Plans a new refcount table at the end of the file with at least {@code needed} entries (twice that when the
     * table has to grow); the table it replaces, the current one or one planned earlier in this operation, gets
     * its clusters back.
     */
    private void relocateTable(long needed) throws IOException {
        long entries = needed > table.length ? needed * 2 : table.length;
        long bytes = ((entries * 8 + cs - 1) >>> clusterBits) << clusterBits;
        if (bytes > Qcow2Limits.MAX_REFCOUNT_TABLE_BYTES) {
            bytes = ((needed * 8 + cs - 1) >>> clusterBits) << clusterBits;
        }
        if (bytes > Qcow2Limits.MAX_REFCOUNT_TABLE_BYTES) {
            throw new FormatException(where + ": the refcount table is full (" + table.length + " entries for "
                    + (table.length * perBlock << clusterBits) + " bytes of file) and cannot grow past "
                    + Qcow2Limits.MAX_REFCOUNT_TABLE_BYTES + " bytes");
        }
        long previousOffset = tableOffset;
        int previousClusters = tableClusters;
        long first = takeFree(bytes >>> clusterBits, "refcount table");
        table = Arrays.copyOf(table, (int) (bytes / 8));
        tableOffset = first << clusterBits;
        tableClusters = (int) (bytes >>> clusterBits);
        addRange(previousOffset, (long) previousClusters * cs, -1, true,
                previousOffset == oldTableOffset ? "previous refcount table" : "unused refcount table");
        addRange(tableOffset, bytes, 1, false, "new refcount table");
    }

    private void checkHostOffset(long endCluster, String what) throws FormatException {
        if (endCluster > Qcow2Limits.MAX_HOST_OFFSET >>> clusterBits) {
            throw new FormatException(where + ": no room for the " + what + " below the largest host offset "
                    + Qcow2Limits.MAX_HOST_OFFSET);
        }
    }

    private void writeFully(ByteBuffer buf, long offset) throws IOException {
        long at = offset;
        while (buf.hasRemaining()) {
            at += file.write(buf, at);
        }
    }

    /** Entry {@code i} of a block of {@code width}-bit big-endian entries (least significant bits first below 8). */
    private long read(ByteBuffer block, int i) {
        if (width < 8) {
            long bit = (long) i * width;
            int b = block.get((int) (bit / 8)) & 0xff;
            return (b >>> (bit % 8)) & ((1 << width) - 1);
        }
        return switch (width) {
            case 8 -> block.get(i) & 0xffL;
            case 16 -> block.getShort(i * 2) & 0xffffL;
            case 32 -> block.getInt(i * 4) & 0xffff_ffffL;
            default -> block.getLong(i * 8);
        };
    }

    private void write(ByteBuffer block, int i, long value) {
        if (width < 8) {
            long bit = (long) i * width;
            int at = (int) (bit / 8);
            int shift = (int) (bit % 8);
            int mask = ((1 << width) - 1) << shift;
            int b = block.get(at) & 0xff;
            block.put(at, (byte) ((b & ~mask) | ((int) value << shift)));
            return;
        }
        switch (width) {
            case 8 -> block.put(i, (byte) value);
            case 16 -> block.putShort(i * 2, (short) value);
            case 32 -> block.putInt(i * 4, (int) value);
            default -> block.putLong(i * 8, value);
        }
    }
}
