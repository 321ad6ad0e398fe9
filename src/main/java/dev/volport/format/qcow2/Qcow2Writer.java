package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyDecoder;
import dev.volport.io.WritebackHint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * Writes new qcow2 files: version 3, 64 KiB clusters, 16-bit refcounts (refcount_order 4), no extensions; the
 * shape {@code qemu-img create -f qcow2} makes (image-formats.md A.13-A.15). Every host cluster of the result
 * is used exactly once, so every refcount is 1 and COPIED is set on every L1 and L2 entry; {@code qemu-img check}
 * finds no errors and no leaks. The stored virtual size is always a multiple of 512 bytes
 * ({@link #sectorAligned}): a raw input of another length gets zeros up to the next multiple. Size 0 is an image
 * as {@code qemu-img create -f qcow2 F 0} makes it: no L1 table ({@code l1_size} and {@code l1_table_offset} 0).
 *
 * <p>Memory: the L1 table (8 bytes per 512 MiB of virtual size, at most {@link Qcow2Limits#MAX_L1_BYTES}, so
 * virtual sizes up to {@link #MAX_VIRTUAL_SIZE}), one L2 table and one 1 MiB buffer.
 */
public final class Qcow2Writer {
    /** log2 of the cluster size written. */
    public static final int CLUSTER_BITS = 16;
    /** The cluster size written: 64 KiB. */
    public static final int CLUSTER_SIZE = 1 << CLUSTER_BITS;
    /** Entries of one L2 table. */
    static final int L2_ENTRIES = CLUSTER_SIZE / 8;
    /** refcount_order written: 16-bit refcounts. */
    public static final int REFCOUNT_ORDER = 4;
    /**
     * Largest virtual size written: what an L1 table of {@link Qcow2Limits#MAX_L1_BYTES} maps (2 PiB), QEMU's own
     * bound for 64 KiB clusters ("The image size is too large for file format 'qcow2'" above it).
     */
    public static final long MAX_VIRTUAL_SIZE = Qcow2Limits.MAX_L1_BYTES / 8 * ((long) L2_ENTRIES << CLUSTER_BITS);
    /** Raw bytes read per round in {@link #convert}. */
    static final int BUFFER = 1 << 20;
    /** Bytes written in {@link #convert} after which their writeback is hinted. */
    static final long WRITEBACK_STEP = 32L << 20;

    private static final long REFCOUNTS_PER_BLOCK = CLUSTER_SIZE * 8L / (1 << REFCOUNT_ORDER);

    /** How much of a new image's data area is allocated up front (qemu-img's {@code preallocation}). */
    public enum Preallocation {
        /** Only header, refcount structures and an empty L1 table. */
        OFF,
        /** Every L2 table and data cluster is mapped; the data area is a hole. */
        METADATA,
        /** As {@link #METADATA}, and the data area is reserved (by the {@link SpaceReserver}). */
        FALLOC,
        /** As {@link #METADATA}, and the data area is written with zeros. */
        FULL
    }

    /** Reserves file space without writing it, e.g. {@code fallocate(2)} bound to the file's path. */
    @FunctionalInterface
    public interface SpaceReserver {
        void reserve(long offset, long length) throws IOException;
    }

    private Qcow2Writer() {
    }

    /**
     * Writes an empty image of {@code virtualSize} bytes into {@code out} (a new, empty file), from offset 0.
     * {@link Preallocation#FALLOC} writes zeros here, since a channel cannot be fallocated; use
     * {@link #create(FileChannel, long, Preallocation, SpaceReserver)} to reserve space instead.
     *
     * @throws FormatException for a size outside [0, {@link #MAX_VIRTUAL_SIZE}] (see {@link #checkSize})
     */
    public static void create(FileChannel out, long virtualSize, Preallocation prealloc) throws IOException {
        create(out, virtualSize, prealloc, (offset, length) -> writeZeros(out, offset, length));
    }

    /**
     * As {@link #create(FileChannel, long, Preallocation)}, reserving the data area of
     * {@link Preallocation#FALLOC} through {@code reserver}.
     */
    public static void create(FileChannel out, long requestedSize, Preallocation prealloc, SpaceReserver reserver)
            throws IOException {
        checkSize(requestedSize);
        long virtualSize = sectorAligned(requestedSize);
        int l1Size = (int) l1Entries(virtualSize);
        long l1Clusters = clustersFor(l1Size * 8L);
        boolean mapped = prealloc != Preallocation.OFF;
        long l2Tables = mapped ? l1Size : 0;
        long dataClusters = mapped ? clustersFor(virtualSize) : 0;
        // Layout: header, refcount table, refcount blocks, L1, L2 tables, data (qemu-img's order).
        long[] rb = refcountLayout(1 + l1Clusters + l2Tables + dataClusters);
        long reftable = 1;
        long refblocks = reftable + rb[0];
        long l1 = refblocks + rb[1];
        long l2 = l1 + l1Clusters;
        long dataStart = l2 + l2Tables;
        long total = dataStart + dataClusters;

        long[] l1Table = new long[l1Size];
        if (mapped) {
            ByteBuffer table = cluster();
            long guestCluster = 0;
            long guestClusters = clustersFor(virtualSize);
            for (int i = 0; i < l1Size; i++) {
                l1Table[i] = Entries.COPIED | (l2 + i) * CLUSTER_SIZE;
                table.clear();
                for (int j = 0; j < L2_ENTRIES; j++, guestCluster++) {
                    table.putLong(guestCluster < guestClusters
                            ? Entries.COPIED | (dataStart + guestCluster) * CLUSTER_SIZE : 0);
                }
                writeAt(out, table.flip(), (l2 + i) * CLUSTER_SIZE);
            }
        }
        writeTables(out, virtualSize, l1Table, l1, reftable, rb, total);
        if (mapped) {
            long dataBytes = dataClusters * CLUSTER_SIZE;
            switch (prealloc) {
                case FULL -> writeZeros(out, dataStart * CLUSTER_SIZE, dataBytes);
                case FALLOC -> reserver.reserve(dataStart * CLUSTER_SIZE, dataBytes);
                default -> writeAt(out, ByteBuffer.allocate(1), total * CLUSTER_SIZE - 1);
            }
        } else {
            // Like qemu-img: the file ends with the L1 table's last entry.
            out.truncate(l1 * CLUSTER_SIZE + l1Size * 8L);
        }
    }

    /**
     * Converts exactly {@code size} raw bytes from {@code raw} into a qcow2 image in {@code out} (a new, empty,
     * regular file). Only clusters holding a non-zero byte are stored. Data clusters and L2 tables are written
     * as the stream goes, in guest order from cluster 1; the L1 table, the refcount structures and the header
     * follow at the end (qcow2 places no order on clusters).
     *
     * @return the length of the qcow2 file in bytes
     * @throws FormatException when the stream ends before {@code size} bytes or goes on after them
     * @throws FormatException for a size outside [0, {@link #MAX_VIRTUAL_SIZE}] (see {@link #checkSize})
     */
    public static long convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress)
            throws IOException {
        return convert(raw, size, out, progress, WritebackHint.NONE);
    }

    /**
     * As {@link #convert(ReadableByteChannel, long, FileChannel, Progress)}, telling {@code hint} of the data and L2
     * clusters written every {@value #WRITEBACK_STEP} bytes of them, so their writeback can start while the stream
     * still arrives and the caller's final flush has little left to do.
     */
    public static long convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress,
            WritebackHint hint) throws IOException {
        checkSize(size);
        Qcow2ConvertSink sink = new Qcow2ConvertSink(out, size, hint);
        try {
            new RawBodyDecoder().read(raw, size, sink, progress);
        } catch (ExtentException e) {
            throw new FormatException(e.getMessage(), e);
        }
        return sink.length();
    }

    /**
     * A sink that builds a qcow2 image of exactly {@code size} bytes in {@code out} (a new, empty, regular file)
     * from the events it receives, telling {@code hint} of the clusters written as {@link #convert} does; the image
     * is complete when {@link ExtentSink#finish} returns. Only clusters that receive bytes are allocated.
     *
     * @throws IllegalArgumentException for a size outside [1, {@link #MAX_VIRTUAL_SIZE}]
     * @throws FormatException for a size the format cannot hold (declared for the size checks to come)
     */
    public static ExtentSink sink(FileChannel out, long size, WritebackHint hint) throws FormatException {
        checkSize(size);
        return new ExactLengthSink(new Qcow2ConvertSink(out, size, hint), size, "raw image for a new qcow2 file");
    }

    /**
     * The virtual size stored for {@code size}: rounded up to a multiple of 512, as qemu-img does, because QEMU
     * reads a qcow2 size in whole 512-byte sectors (it would drop a partial last sector).
     */
    public static long sectorAligned(long size) {
        return (size + 511) & ~511L;
    }

    /**
     * Refuses a size this writer cannot store: negative, or above {@link #MAX_VIRTUAL_SIZE} (the L1 table would
     * outgrow {@link Qcow2Limits#MAX_L1_BYTES}). Every size in between works, 0 and odd sizes included.
     *
     * @throws FormatException naming the size and the limit; the caller adds the volume
     */
    public static void checkSize(long virtualSize) throws FormatException {
        if (virtualSize < 0) {
            throw new FormatException("qcow2 size " + virtualSize + " bytes is negative");
        }
        if (virtualSize > MAX_VIRTUAL_SIZE) {
            throw new FormatException("size " + virtualSize + " bytes is above the qcow2 limit of "
                    + MAX_VIRTUAL_SIZE + " bytes (2 PiB: a 32 MiB L1 table of 64 KiB clusters)");
        }
    }

    static long l1Entries(long virtualSize) {
        long perEntry = (long) L2_ENTRIES << CLUSTER_BITS;
        return (virtualSize + perEntry - 1) / perEntry;
    }

    static long clustersFor(long bytes) {
        return (bytes + CLUSTER_SIZE - 1) >>> CLUSTER_BITS;
    }

    static ByteBuffer cluster() {
        return ByteBuffer.allocate(CLUSTER_SIZE).order(ByteOrder.BIG_ENDIAN);
    }

    /**
     * Sizes the refcount table and blocks for a file of {@code otherClusters} clusters plus themselves.
     *
     * @return {refcount table clusters, refcount block clusters}
     */
    static long[] refcountLayout(long otherClusters) {
        long tableClusters = 1;
        long blocks = 1;
        while (true) {
            long total = otherClusters + tableClusters + blocks;
            long needBlocks = (total + REFCOUNTS_PER_BLOCK - 1) / REFCOUNTS_PER_BLOCK;
            long needTable = clustersFor(needBlocks * 8);
            if (needBlocks <= blocks && needTable <= tableClusters) {
                return new long[] {tableClusters, blocks};
            }
            blocks = Math.max(blocks, needBlocks);
            tableClusters = Math.max(tableClusters, needTable);
        }
    }

    /**
     * Writes the L1 table at cluster {@code l1}, the refcount table at cluster {@code reftable} followed by its
     * blocks (refcount 1 for clusters [0, total)), and the header.
     */
    static void writeTables(FileChannel out, long size, long[] l1Table, long l1, long reftable, long[] rb,
            long total) throws IOException {
        ByteBuffer c = cluster();
        for (int start = 0; start < l1Table.length; start += L2_ENTRIES) {
            int n = Math.min(L2_ENTRIES, l1Table.length - start);
            c.clear().asLongBuffer().put(l1Table, start, n);
            writeAt(out, c.clear().limit(n * 8), (l1 + start / L2_ENTRIES) * CLUSTER_SIZE);
        }
        long blocks = reftable + rb[0];
        for (long t = 0; t < rb[0]; t++) {
            c.clear();
            for (int k = 0; k < L2_ENTRIES; k++) {
                long index = t * L2_ENTRIES + k;
                c.putLong(index < rb[1] ? (blocks + index) * CLUSTER_SIZE : 0);
            }
            writeAt(out, c.flip(), (reftable + t) * CLUSTER_SIZE);
        }
        for (long b = 0; b < rb[1]; b++) {
            c.clear();
            for (long k = 0; k < REFCOUNTS_PER_BLOCK; k++) {
                c.putShort((short) (b * REFCOUNTS_PER_BLOCK + k < total ? 1 : 0));
            }
            writeAt(out, c.flip(), (blocks + b) * CLUSTER_SIZE);
        }
        // An empty L1 table has no offset (qemu-img writes 0 there too).
        long l1Offset = l1Table.length == 0 ? 0 : l1 * CLUSTER_SIZE;
        Qcow2Header h = new Qcow2Header(3, 0, 0, CLUSTER_BITS, size, 0, l1Table.length, l1Offset,
                reftable * CLUSTER_SIZE, (int) rb[0], 0, 0, 0, 0, 0, REFCOUNT_ORDER, Qcow2Header.V3_HEADER_LENGTH,
                0, List.of(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
        c.clear();
        h.write(c);
        writeAt(out, c.flip(), 0);
    }

    static void writeAt(FileChannel out, ByteBuffer buf, long offset) throws IOException {
        long at = offset;
        while (buf.hasRemaining()) {
            at += out.write(buf, at);
        }
    }

    private static void writeZeros(FileChannel out, long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(BUFFER);
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(BUFFER, length - done);
            writeAt(out, zeros.clear().limit(n), offset + done);
            done += n;
        }
    }
}
