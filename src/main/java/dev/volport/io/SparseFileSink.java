package dev.volport.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Writes the events into a raw file at their own offsets, from offset 0: bytes and host ranges with positional
 * writes, zero runs not at all. The file must read back zeros wherever nothing is written (a new file, or one just
 * extended with {@code ftruncate}), and its length is the caller's to set; the result is then the image with its
 * zero runs left as holes. Never use it on a target that may hold old data (a reused block device): skipped zeros
 * would keep it.
 *
 * <p>Every {@value #WRITEBACK_STEP} bytes of image the range since the last hint goes to the {@link WritebackHint},
 * so that its writeback starts while the stream still arrives and the final flush has little left to wait for.
 *
 * <p>With a {@link DirectOutput}, bytes are gathered in an aligned block of {@value #STAGE} bytes, and a block that
 * the run fills with whole 4 KiB blocks from its start to its end bypasses the page cache; the partial blocks at a
 * run's ends, and shorter runs, go through the channel (many small direct writes would each wait for the device).
 * Bytes may then be held back until the next event that is not contiguous with them, or {@link #finish}. A direct
 * write runs on a thread of its own while the next block gathers (two blocks, one write in flight): each one waits
 * for the device, 0.17 ms for 64 KiB and 1 ms for 1 MiB measured on this project's machines, and the caller would
 * otherwise stop reading its stream for that long. Its failure is reported by the next call that releases a block,
 * or by {@link #finish}, which returns only when every write has ended.
 */
public final class SparseFileSink implements ExtentSink {
    /** Image bytes after which writeback of them is hinted. */
    public static final long WRITEBACK_STEP = 32L << 20;
    /** Size of the aligned block that gathers bytes for direct writes. */
    static final int STAGE = 1 << 20;
    /**
     * Shortest run of whole blocks written directly; shorter ones go through the page cache. A direct write waits
     * for the device and, into a hole, for the filesystem's allocation under the file's lock, so that parallel ones
     * do not help: measured on ext4 here, 64 KiB direct writes at 0.17 ms each (330 MB/s, from 1 to 8 threads)
     * against 1 MiB at 1 ms; a 10 GiB disk with every tenth 64 KiB written imported in 4.2 s with its runs direct
     * and 2.5 s through the page cache. Only runs of a whole gathering block go direct.
     */
    static final int MIN_DIRECT = STAGE;
    private static final long ALIGN_MASK = DirectOutput.ALIGN - 1;

    private final FileChannel target;
    private final WritebackHint hint;
    private final DirectOutput direct;
    /** The gathering block and the other one, which a direct write may still be reading. */
    private MemorySegment block;
    private MemorySegment spare;
    /** Runs the direct writes, one at a time; its thread ends when idle, so an abandoned sink leaves none. */
    private final ThreadPoolExecutor writer;
    /** The direct write of {@link #spare} still running, or null. */
    private Future<?> pending;
    private long pos;
    private long hinted;
    private long written;
    /** File offset of {@code block[0]}, a multiple of the alignment; meaningful while {@link #held} is not 0. */
    private long blockStart;
    /** Bytes of {@code block} before the held run starts. */
    private int lead;
    /** End of the held run in {@code block}; 0: nothing held. */
    private int held;

    public SparseFileSink(FileChannel target, WritebackHint hint) {
        this(target, hint, Optional.empty());
    }

    /** A sink that writes long runs of bytes through {@code direct} when present. */
    public SparseFileSink(FileChannel target, WritebackHint hint, Optional<DirectOutput> direct) {
        this.target = target;
        this.hint = hint;
        this.direct = direct.orElse(null);
        if (direct.isPresent()) {
            Arena arena = Arena.ofAuto();
            this.block = arena.allocate(STAGE, DirectOutput.ALIGN);
            this.spare = arena.allocate(STAGE, DirectOutput.ALIGN);
            this.writer = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "volport-direct-write");
                t.setDaemon(true);
                return t;
            });
            this.writer.allowCoreThreadTimeOut(true);
        } else {
            this.writer = null;
        }
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
        if (direct != null) {
            gather(buf);
        } else {
            write(buf, pos);
        }
        advance(n, n);
    }

    private void write(ByteBuffer buf, long at) throws IOException {
        int limit = buf.limit();
        while (buf.hasRemaining()) {
            buf.limit(Math.min(limit, buf.position() + MAX_WRITE));
            while (buf.hasRemaining()) {
                at += target.write(buf, at);
            }
            buf.limit(limit);
        }
    }

    /** Copies {@code buf} into the block behind the held run, writing the block out whenever it fills. */
    private void gather(ByteBuffer buf) throws IOException {
        if (held != 0 && blockStart + held != pos) {
            release(true);
        }
        long at = pos;
        while (buf.hasRemaining()) {
            if (held == 0) {
                blockStart = at & ~ALIGN_MASK;
                lead = (int) (at - blockStart);
                held = lead;
            }
            int k = Math.min(buf.remaining(), STAGE - held);
            MemorySegment.copy(MemorySegment.ofBuffer(buf), 0, block, held, k);
            buf.position(buf.position() + k);
            held += k;
            at += k;
            if (held == STAGE) {
                release(false);
            }
        }
    }

    /**
     * Writes the held run: its whole blocks directly when there are enough of them, the rest through the channel.
     * With {@code all} false the partial block at its end stays held, moved to the start of the block, for the
     * bytes that continue it.
     */
    private void release(boolean all) throws IOException {
        long from = blockStart + lead;
        long to = blockStart + held;
        long alignedFrom = (from + ALIGN_MASK) & ~ALIGN_MASK;
        long alignedTo = to & ~ALIGN_MASK;
        if (alignedTo - alignedFrom >= MIN_DIRECT) {
            writeHeld(from, alignedFrom);
            if (all) {
                writeHeld(alignedTo, to);
            }
            awaitPending(); // the spare block is free again
            MemorySegment whole = block.asSlice(alignedFrom - blockStart, alignedTo - alignedFrom);
            int tail = all ? 0 : (int) (to - alignedTo);
            MemorySegment.copy(block, alignedTo - blockStart, spare, 0, tail);
            pending = writer.submit(() -> {
                direct.write(whole, alignedFrom);
                return null;
            });
            MemorySegment gathered = block;
            block = spare;
            spare = gathered;
            blockStart = alignedTo;
            lead = 0;
            held = tail;
        } else {
            writeHeld(from, to);
            held = 0;
        }
    }

    /** Waits for the direct write in flight, if any, and reports its failure as this call's. */
    private void awaitPending() throws IOException {
        if (pending == null) {
            return;
        }
        Future<?> f = pending;
        pending = null;
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pending = f; // still in flight: a later finish waits for it again
            throw new InterruptedIOException("interrupted while a direct write was in flight");
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException r -> throw r;
                case Error err -> throw err;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** Writes file bytes {@code [from, to)} of the held run through the channel. */
    private void writeHeld(long from, long to) throws IOException {
        if (from < to) {
            write(block.asSlice(from - blockStart, to - from).asByteBuffer(), from);
        }
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        if (held != 0) {
            release(true);
        }
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

    /** Writes what is held back; the caller sets the length and flushes the file. */
    @Override
    public void finish() throws IOException {
        if (held != 0) {
            release(true);
        }
        if (writer != null) {
            awaitPending();
            writer.shutdown();
        }
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
