package dev.volport.format.qcow2;

import static dev.volport.format.qcow2.Qcow2Writer.CLUSTER_BITS;
import static dev.volport.format.qcow2.Qcow2Writer.CLUSTER_SIZE;
import static dev.volport.format.qcow2.Qcow2Writer.L2_ENTRIES;

import dev.volport.io.ExtentSink;
import dev.volport.io.WritebackHint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * Builds a new qcow2 file from the extents of a raw image (the {@link Qcow2Writer} layout): a guest cluster gets a
 * host cluster when the first non-zero byte lands in it, clusters are allocated in guest order from host cluster
 * 1, and an L2 table is placed after the data clusters of its range once the image has moved past that range. The
 * L1 table, the refcount structures and the header follow at {@link #finish}.
 *
 * <p>Zero runs allocate nothing. Bytes are written where they belong inside their cluster and nothing else is:
 * the rest of a cluster that is only partly written stays a hole of the new file, which reads as zeros, so the
 * result needs a target that reads zeros where nothing was written (a new, empty file). Bytes of one event that
 * land in consecutive host clusters go out in one positional write. {@link ExtentSink#data} ranges are read into
 * memory and taken as bytes (no zero check: a producer that knows zeros says {@code zeros}).
 */
final class Qcow2ConvertSink implements ExtentSink {
    private final FileChannel out;
    private final long size;
    private final WritebackHint hint;
    private final long[] l1Table;
    private final long[] l2Table = new long[L2_ENTRIES];
    private final ByteBuffer table = Qcow2Writer.cluster();
    /** The L1 index {@link #l2Table} belongs to. */
    private int l2Range;
    private boolean l2Used;
    /** The next free host cluster. */
    private long next = 1;
    private long pos;
    private long hinted = CLUSTER_SIZE;
    private long length = -1;
    private ByteBuffer copyBuf;

    Qcow2ConvertSink(FileChannel out, long size, WritebackHint hint) {
        this.out = out;
        this.size = size;
        this.hint = hint;
        this.l1Table = new long[(int) Qcow2Writer.l1Entries(Qcow2Writer.sectorAligned(size))];
    }

    /** The length of the finished file in bytes; -1 before {@link #finish}. */
    long length() {
        return length;
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        // One pending write: host bytes [runHost, runHost + run) from buf[runFrom, runFrom + run).
        long runHost = -1;
        int runFrom = buf.position();
        int run = 0;
        while (buf.hasRemaining()) {
            int inCluster = (int) (pos & (CLUSTER_SIZE - 1));
            int n = Math.min(buf.remaining(), CLUSTER_SIZE - inCluster);
            long host = hostCluster(pos >>> CLUSTER_BITS) * CLUSTER_SIZE + inCluster;
            if (run > 0 && host != runHost + run) {
                write(buf, runFrom, run, runHost);
                run = 0;
            }
            if (run == 0) {
                runHost = host;
                runFrom = buf.position();
            }
            run += n;
            buf.position(buf.position() + n);
            pos += n;
        }
        if (run > 0) {
            write(buf, runFrom, run, runHost);
        }
        long writtenEnd = next * CLUSTER_SIZE;
        if (writtenEnd - hinted >= Qcow2Writer.WRITEBACK_STEP) {
            hint.written(hinted, writtenEnd - hinted);
            hinted = writtenEnd;
        }
    }

    @Override
    public void data(FileChannel file, long offset, long len) throws IOException {
        if (copyBuf == null) {
            copyBuf = ByteBuffer.allocateDirect(Qcow2Writer.BUFFER);
        }
        for (long done = 0; done < len; ) {
            copyBuf.clear().limit((int) Math.min(copyBuf.capacity(), len - done));
            Positional.readFully(file, copyBuf, offset + done, "the source of a qcow2 conversion");
            done += copyBuf.position();
            bytes(copyBuf.flip());
        }
    }

    @Override
    public void zeros(long len) {
        pos += len;
    }

    /** Stores the last L2 table, then the L1 table, the refcounts and the header; cuts the file to its length. */
    @Override
    public void finish() throws IOException {
        closeL2();
        long l1 = next;
        long l1Clusters = Qcow2Writer.clustersFor(l1Table.length * 8L);
        long[] rb = Qcow2Writer.refcountLayout(l1 + l1Clusters);
        long reftable = l1 + l1Clusters;
        long total = reftable + rb[0] + rb[1];
        Qcow2Writer.writeTables(out, Qcow2Writer.sectorAligned(size), l1Table, l1, reftable, rb, total);
        length = total * CLUSTER_SIZE;
        out.truncate(length);
    }

    /** The host cluster of guest cluster {@code cl}, allocated now if it has none. */
    private long hostCluster(long cl) throws IOException {
        int range = (int) (cl / L2_ENTRIES);
        if (range != l2Range) {
            closeL2();
            l2Range = range;
        }
        int index = (int) (cl % L2_ENTRIES);
        long entry = l2Table[index];
        if (entry == 0) {
            entry = Entries.COPIED | next * CLUSTER_SIZE;
            l2Table[index] = entry;
            l2Used = true;
            next++;
        }
        return (entry & Entries.OFFSET_MASK) >>> CLUSTER_BITS;
    }

    /** Stores the L2 table of the range left behind, if it maps anything, at the next free cluster. */
    private void closeL2() throws IOException {
        if (!l2Used) {
            return;
        }
        table.clear().asLongBuffer().put(l2Table);
        Qcow2Writer.writeAt(out, table.clear(), next * CLUSTER_SIZE);
        l1Table[l2Range] = Entries.COPIED | next * CLUSTER_SIZE;
        next++;
        Arrays.fill(l2Table, 0);
        l2Used = false;
    }

    private void write(ByteBuffer buf, int from, int n, long host) throws IOException {
        Qcow2Writer.writeAt(out, buf.duplicate().limit(from + n).position(from), host);
    }
}
