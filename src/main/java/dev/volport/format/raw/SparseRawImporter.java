package dev.volport.format.raw;

import dev.volport.format.FormatException;
import dev.volport.io.ChannelIo;
import dev.volport.io.Progress;
import dev.volport.io.WritebackHint;
import dev.volport.io.ZeroBlocks;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;

/**
 * Copies exactly {@code size} bytes of a raw stream body into a file that reads back zeros where nothing was
 * written (a new file, or one just extended with {@code ftruncate}), skipping all-zero blocks so the result is
 * sparse. It then checks that the stream ends right there: fewer bytes and more bytes are both errors.
 *
 * <p>Never use it on a target that may hold old data (a reused block device): skipped blocks would keep it.
 */
public final class SparseRawImporter {
    /** Granularity of hole detection: the usual filesystem block. */
    public static final int BLOCK = 4096;
    /** Bytes read from the stream per round; one direct buffer of this size is the only allocation. */
    public static final int BUFFER = 1 << 20;

    /** Written bytes after which writeback of them is started. */
    static final long WRITEBACK_STEP = 32L << 20;

    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
    private final MemorySegment seg = MemorySegment.ofBuffer(buf);
    private final WritebackHint hint;
    private long hinted;

    /** An importer that does not report written ranges. */
    public SparseRawImporter() {
        this(WritebackHint.NONE);
    }

    /** An importer that reports written ranges every {@value #WRITEBACK_STEP} bytes of stream. */
    public SparseRawImporter(WritebackHint hint) {
        this.hint = hint;
    }

    /**
     * Reads the body from {@code in} and writes its non-zero blocks to {@code target} at the same offsets.
     *
     * @return the number of bytes actually written (the rest were zero blocks left as holes)
     * @throws FormatException when the stream ends before {@code size} bytes or goes on after them
     */
    public long copy(ReadableByteChannel in, long size, FileChannel target, Progress progress) throws IOException {
        long pos = 0;
        long written = 0;
        while (pos < size) {
            int want = (int) Math.min(BUFFER, size - pos);
            buf.clear().limit(want);
            int got = ChannelIo.readFully(in, buf);
            if (got < want) {
                throw new FormatException("stream ended after " + (pos + got) + " of " + size
                        + " bytes announced by its size header (truncated)");
            }
            written += writeNonZero(target, pos, got);
            pos += got;
            progress.advance(got);
            if (pos - hinted >= WRITEBACK_STEP) {
                hint.written(hinted, pos - hinted);
                hinted = pos;
            }
        }
        buf.clear().limit(1);
        if (ChannelIo.readFully(in, buf) > 0) {
            throw new FormatException("stream goes on past the " + size + " bytes announced by its size header");
        }
        return written;
    }

    /**
     * Copies everything {@code in} delivers, to its end, into {@code target} at offset 0, skipping zero blocks;
     * for image files that travel verbatim ({@code qcow2+size}, {@code vmdk+size}), whose length only the end of
     * the stream tells. The caller sets the file's length to the returned count.
     *
     * @return the number of bytes the stream held
     * @throws FormatException when the stream goes on past {@code limit} bytes
     */
    public long copyToEnd(ReadableByteChannel in, long limit, FileChannel target, Progress progress)
            throws IOException {
        long pos = 0;
        while (true) {
            buf.clear();
            int got = ChannelIo.readFully(in, buf);
            if (got == 0) {
                return pos;
            }
            if (pos + got > limit) {
                throw new FormatException("stream goes on past " + limit + " bytes, the most this import accepts");
            }
            writeNonZero(target, pos, got);
            pos += got;
            progress.advance(got);
            if (pos - hinted >= WRITEBACK_STEP) {
                hint.written(hinted, pos - hinted);
                hinted = pos;
            }
        }
    }

    /** Writes the non-zero runs of {@code buf[0, len)} at {@code base}; consecutive data blocks go in one write. */
    private long writeNonZero(FileChannel target, long base, int len) throws IOException {
        long written = 0;
        int runStart = -1;
        for (int off = 0; off < len; off += BLOCK) {
            int blockLen = Math.min(BLOCK, len - off);
            boolean zero = ZeroBlocks.isZero(seg, off, blockLen);
            if (!zero && runStart < 0) {
                runStart = off;
            } else if (zero && runStart >= 0) {
                written += write(target, base, runStart, off);
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            written += write(target, base, runStart, len);
        }
        return written;
    }

    private long write(FileChannel target, long base, int from, int to) throws IOException {
        ByteBuffer slice = buf.duplicate().limit(to).position(from);
        long at = base + from;
        while (slice.hasRemaining()) {
            at += target.write(slice, at);
        }
        return to - from;
    }
}
