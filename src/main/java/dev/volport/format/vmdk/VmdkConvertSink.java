package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import dev.volport.io.ExtentSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Fills a new monolithicSparse VMDK (metadata already written by {@link VmdkWriter}) from the extents of a raw
 * image: a grain gets the next free sectors from {@code overHead} when the first non-zero byte lands in it, in
 * guest order, and its grain table is written when the image moves past the table's range (both copies).
 *
 * <p>Zero runs allocate nothing. Bytes are written where they belong inside their grain and nothing else is: the
 * rest of a grain that is only partly written stays a hole, which reads as zeros in the new file, and
 * {@link #finish} extends the file to the end of the last grain. Bytes of one event that land in consecutive grains
 * go out in one positional write. {@link ExtentSink#data} ranges are read into memory and taken as bytes.
 */
final class VmdkConvertSink implements ExtentSink {
    private static final int GRAIN_BYTES = (int) (VmdkWriter.GRAIN_SECTORS * VmdkLimits.SECTOR);
    /** Grain table entries are u32 sector numbers: the last sector a grain can start at. */
    private static final long MAX_GRAIN_SECTOR = 0xFFFF_FFFFL;

    private final FileChannel out;
    private final SparseExtentHeader h;
    private final VmdkWriter.GrainTableWriter tables;
    /** The next free sector for a grain. */
    private long next;
    /** The grain allocated last and its first sector; grains are allocated in increasing order. */
    private long lastGrain = -1;
    private long lastSector;
    private long pos;
    private ByteBuffer copyBuf;

    VmdkConvertSink(FileChannel out, SparseExtentHeader h) {
        this.out = out;
        this.h = h;
        this.tables = new VmdkWriter.GrainTableWriter(out, h);
        this.next = h.overHead();
    }

    /** Bytes of grain data allocated (a multiple of 64 KiB). */
    long grainBytes() {
        return (next - h.overHead()) * VmdkLimits.SECTOR;
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        long runAt = -1;
        int runFrom = buf.position();
        int run = 0;
        while (buf.hasRemaining()) {
            int inGrain = (int) (pos % GRAIN_BYTES);
            int n = Math.min(buf.remaining(), GRAIN_BYTES - inGrain);
            long at = sector(pos / GRAIN_BYTES) * VmdkLimits.SECTOR + inGrain;
            if (run > 0 && at != runAt + run) {
                VmdkWriter.writeAt(out, buf.duplicate().limit(runFrom + run).position(runFrom), runAt);
                run = 0;
            }
            if (run == 0) {
                runAt = at;
                runFrom = buf.position();
            }
            run += n;
            buf.position(buf.position() + n);
            pos += n;
        }
        if (run > 0) {
            VmdkWriter.writeAt(out, buf.duplicate().limit(runFrom + run).position(runFrom), runAt);
        }
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        if (copyBuf == null) {
            copyBuf = ByteBuffer.allocateDirect(VmdkWriter.BUFFER);
        }
        for (long done = 0; done < length; ) {
            copyBuf.clear().limit((int) Math.min(copyBuf.capacity(), length - done));
            VmdkImage.readAt(file, copyBuf, offset + done, "source", "raw image range");
            done += copyBuf.position();
            bytes(copyBuf.flip());
        }
    }

    @Override
    public void zeros(long length) {
        pos += length;
    }

    /** Writes the last grain table and makes the file reach the end of the last grain. */
    @Override
    public void finish() throws IOException {
        tables.flush();
        long end = next * VmdkLimits.SECTOR;
        if (out.size() < end) {
            VmdkWriter.writeAt(out, ByteBuffer.allocate(1), end - 1);
        }
    }

    /** The first sector of {@code grain}, allocated now if it has none. */
    private long sector(long grain) throws IOException {
        if (grain != lastGrain) {
            if (next > MAX_GRAIN_SECTOR) {
                // Only an image of nearly 2 TiB with almost no zero grain gets here.
                throw new FormatException("VMDK of " + h.capacityBytes() + " bytes: grain " + grain
                        + " would start past sector " + MAX_GRAIN_SECTOR + ", beyond what a grain table entry"
                        + " (u32) holds; too few zero grains to fit the tables");
            }
            lastGrain = grain;
            lastSector = next;
            tables.map(grain, next);
            next += VmdkWriter.GRAIN_SECTORS;
        }
        return lastSector;
    }
}
