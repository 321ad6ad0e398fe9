package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes the events into a raw file at their own offsets, from offset 0: bytes and host ranges with positional
 * writes, zero runs not at all. The file must read back zeros wherever nothing is written (a new file, or one just
 * extended with {@code ftruncate}), and its length is the caller's to set; the result is then the image with its
 * zero runs left as holes. Never use it on a target that may hold old data (a reused block device): skipped zeros
 * would keep it.
 *
 * <p>Every {@value #WRITEBACK_STEP} bytes of image the range since the last hint goes to the {@link WritebackHint},
 * so that its writeback starts while the stream still arrives and the final flush has little left to wait for.
 */
public final class SparseFileSink implements ExtentSink {
    /** Image bytes after which writeback of them is hinted. */
    public static final long WRITEBACK_STEP = 32L << 20;

    private final FileChannel target;
    private final WritebackHint hint;
    private long pos;
    private long hinted;
    private long written;

    public SparseFileSink(FileChannel target, WritebackHint hint) {
        this.target = target;
        this.hint = hint;
    }

    /** Bytes actually written so far; the rest of {@link #position()} was left as holes. */
    public long written() {
        return written;
    }

    /** The image offset of the next event. */
    public long position() {
        return pos;
    }

    /**
     * Largest single write. Writes of several MiB at once into the page cache were measured up to 14 times slower
     * than the same bytes in 1 MiB writes on this project's machines (Linux 6.18, ext4: 1 GiB in 4 MiB writes 0.3-2.7
     * s of system time, in 1 MiB writes 0.18-0.21 s, every time), so larger buffers are written in pieces.
     */
    static final int MAX_WRITE = 1 << 20;

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        int n = buf.remaining();
        long at = pos;
        int limit = buf.limit();
        while (buf.hasRemaining()) {
            buf.limit(Math.min(limit, buf.position() + MAX_WRITE));
            while (buf.hasRemaining()) {
                at += target.write(buf, at);
            }
            buf.limit(limit);
        }
        advance(n, n);
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        // transferTo writes at the target's own position: copy_file_range or sendfile between the two files.
        target.position(pos);
        long done = 0;
        while (done < length) {
            long n = file.transferTo(offset + done, length - done, target);
            if (n <= 0) {
                throw new ExtentException("source file ends at byte " + file.size() + ", inside a data range that"
                        + " should run to byte " + (offset + length) + " (did it shrink while being read?)");
            }
            done += n;
        }
        advance(length, length);
    }

    @Override
    public void zeros(long length) throws IOException {
        advance(length, 0);
    }

    /** Nothing is held back; the caller sets the length and flushes the file. */
    @Override
    public void finish() {
    }

    private void advance(long length, long wrote) throws IOException {
        pos += length;
        written += wrote;
        if (pos - hinted >= WRITEBACK_STEP) {
            hint.written(hinted, pos - hinted);
            hinted = pos;
        }
    }
}
