package dev.volport.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * Reads the body of a {@code raw+size} stream and emits it as events: all-zero blocks of {@value #BLOCK} bytes as
 * {@link ExtentSink#zeros}, the runs of other blocks between them as {@link ExtentSink#bytes}. The import-side
 * mirror of {@link RawBodyEncoder}: whatever writes the image (a sparse raw file, a qcow2 or VMDK converter) takes
 * the events and never needs a zero check of its own.
 *
 * <p>One direct buffer of {@value #BUFFER} bytes is the only allocation; it is read into with large reads, checked
 * with {@link ZeroBlocks} (vectorised compares) and handed to the sink in place, so the bytes are never copied in
 * the heap. A {@link ExtentSink#bytes} event therefore lends the sink this buffer, which the next read refills.
 * Reuse one decoder for many streams, one at a time; not thread-safe.
 */
public final class RawBodyDecoder {
    /** Granularity of zero detection: the usual filesystem block. */
    public static final int BLOCK = 4096;
    /** Bytes read from the stream per round. */
    public static final int BUFFER = 1 << 20;

    private final ByteBuffer buf = ByteBuffer.allocateDirect(BUFFER);
    private final MemorySegment seg = MemorySegment.ofBuffer(buf);

    /**
     * Reads exactly {@code size} bytes from {@code in}, emits them into {@code sink}, checks that the stream ends
     * right there and finishes the sink. {@code progress} advances by every buffer read.
     *
     * @throws ExtentException when the stream ends before {@code size} bytes or goes on after them (the sink is
     *     not finished then)
     */
    public void read(ReadableByteChannel in, long size, ExtentSink sink, Progress progress) throws IOException {
        long pos = 0;
        while (pos < size) {
            int want = (int) Math.min(BUFFER, size - pos);
            buf.clear().limit(want);
            int got = ChannelIo.readFully(in, buf);
            if (got < want) {
                throw new ExtentException("raw stream ended after " + (pos + got) + " of " + size
                        + " bytes announced by its size header (truncated)");
            }
            emit(got, sink);
            pos += got;
            progress.advance(got);
        }
        buf.clear().limit(1);
        if (ChannelIo.readFully(in, buf) > 0) {
            throw new ExtentException("raw stream goes on past the " + size
                    + " bytes announced by its size header");
        }
        sink.finish();
    }

    /**
     * Reads {@code in} to its end, emitting what it holds into {@code sink}, and finishes the sink: for image files
     * that travel verbatim ({@code qcow2+size}, {@code vmdk+size}), whose length only the end of the stream tells.
     *
     * @return the number of bytes the stream held
     * @throws ExtentException when the stream goes on past {@code limit} bytes
     */
    public long readToEnd(ReadableByteChannel in, long limit, ExtentSink sink, Progress progress)
            throws IOException {
        long pos = 0;
        while (true) {
            buf.clear();
            int got = ChannelIo.readFully(in, buf);
            if (got == 0) {
                sink.finish();
                return pos;
            }
            if (pos + got > limit) {
                throw new ExtentException("stream goes on past " + limit + " bytes, the most this import accepts");
            }
            emit(got, sink);
            pos += got;
            progress.advance(got);
        }
    }

    /** Emits {@code buf[0, len)}: runs of non-zero blocks as one bytes event each, zero runs as one zeros event. */
    private void emit(int len, ExtentSink sink) throws IOException {
        int runStart = 0;
        boolean runZero = true;
        for (int off = 0; off < len; off += BLOCK) {
            boolean zero = ZeroBlocks.isZero(seg, off, Math.min(BLOCK, len - off));
            if (zero != runZero && off > runStart) {
                emitRun(runStart, off, runZero, sink);
                runStart = off;
            }
            runZero = zero;
        }
        emitRun(runStart, len, runZero, sink);
    }

    private void emitRun(int from, int to, boolean zero, ExtentSink sink) throws IOException {
        if (from == to) {
            return;
        }
        if (zero) {
            sink.zeros(to - from);
        } else {
            sink.bytes(buf.clear().limit(to).position(from));
        }
    }
}
