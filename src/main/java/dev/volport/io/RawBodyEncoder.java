package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes the events it receives to an output channel as plain bytes in order: the body of a {@code raw+size}
 * stream. Nothing ever seeks on the output, so it may be a pipe or a socket.
 *
 * <p>Each kind of event goes out the cheapest way it can:
 * <ul>
 *   <li>host ranges of one file that follow each other are merged (up to {@link #MAX_RUN} bytes) and sent with
 *       {@link FileChannel#transferTo}, which the JDK turns into {@code sendfile}: their bytes never enter the heap;
 *   <li>consecutive zero runs are merged and handed to the {@link ZeroWriter} in one call when other output follows
 *       or at {@link #finish};
 *   <li>bytes from memory are written as they come, after whatever is pending.
 * </ul>
 * At most one kind is pending at a time, so the output order is the event order. {@code progress} is advanced by
 * every piece written (never started or finished here). The encoder does not know the image's size; wrap it in an
 * {@link ExactLengthSink} for that, or use {@link #stream}, which also writes the size header.
 */
public final class RawBodyEncoder implements ExtentSink {
    /** Longest merged host range. */
    public static final long MAX_RUN = 64L << 20;
    /** Bytes per {@code transferTo} call: small enough for smooth progress, large enough to cost nothing. */
    static final long CHUNK = 8L << 20;

    private final WritableByteChannel out;
    private final ZeroWriter zeroWriter;
    private final Progress progress;
    private final String what;
    private FileChannel runFile;
    private long runStart;
    private long runLength;
    private long pendingZeros;
    private long written;

    /**
     * @param zeroWriter how zero runs are written ({@code os.ZeroPages::write} for a pipe, {@link
     *     ZeroWriter#BUFFERED} anywhere)
     * @param what the image being encoded, for messages ({@code "qcow2 image local:100/vm-100-disk-0.qcow2"})
     */
    public RawBodyEncoder(WritableByteChannel out, ZeroWriter zeroWriter, Progress progress, String what) {
        this.out = out;
        this.zeroWriter = zeroWriter;
        this.progress = progress;
        this.what = what;
    }

    /**
     * Writes the {@code raw+size} header for {@code size} to {@code out} and returns the sink for the body: an
     * encoder held to exactly {@code size} bytes, so a reader that emits more or fewer fails with an
     * {@link ExtentException} instead of sending a malformed stream.
     */
    public static ExactLengthSink stream(WritableByteChannel out, long size, ZeroWriter zeroWriter, Progress progress,
            String what) throws IOException {
        SizeHeader.write(out, size);
        return new ExactLengthSink(new RawBodyEncoder(out, zeroWriter, progress, what), size, what);
    }

    /** Bytes handed to the output so far (pending merged runs not included). */
    public long written() {
        return written;
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        flushZeros();
        if (file == runFile && offset == runStart + runLength && runLength + length <= MAX_RUN) {
            runLength += length;
            return;
        }
        flushRun();
        runFile = file;
        runStart = offset;
        runLength = length;
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        if (!buf.hasRemaining()) {
            return;
        }
        flushZeros();
        flushRun();
        int n = buf.remaining();
        // From a heap buffer the JDK copies into a temporary direct buffer first; producers on a hot path pass
        // direct buffers.
        ChannelIo.writeFully(out, buf);
        advance(n);
    }

    @Override
    public void zeros(long length) throws IOException {
        flushRun();
        pendingZeros += length;
    }

    @Override
    public void finish() throws IOException {
        flushZeros();
        flushRun();
    }

    private void flushZeros() throws IOException {
        long n = pendingZeros;
        if (n > 0) {
            pendingZeros = 0;
            zeroWriter.write(out, n, this::advance);
        }
    }

    private void flushRun() throws IOException {
        FileChannel file = runFile;
        long pos = runStart;
        long end = runStart + runLength;
        runFile = null;
        runLength = 0;
        while (pos < end) {
            long n = file.transferTo(pos, Math.min(CHUNK, end - pos), out);
            if (n <= 0) {
                long length = file.size();
                if (length <= pos) {
                    throw new ExtentException(what + ": its file ends at byte " + length + ", inside a data range"
                            + " that should run to byte " + end + " (did the file shrink while being read?)");
                }
                continue;
            }
            pos += n;
            advance(n);
        }
    }

    private void advance(long n) {
        written += n;
        progress.advance(n);
    }
}
