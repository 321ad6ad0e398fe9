package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import dev.volport.io.ChannelIo;
import dev.volport.io.Progress;
import dev.volport.os.ZeroPages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The ordered output of a guest-content read. Consecutive host ranges of one file are merged into one transfer
 * (up to {@link #MAX_RUN} bytes), consecutive zeros are merged and written by {@link ZeroPages} (into a pipe:
 * spliced from a hole, not copied), and nothing ever seeks on {@code out}, so it may be a pipe.
 */
final class RawSink {
    /** Longest merged host range. */
    static final long MAX_RUN = 64L << 20;

    private final WritableByteChannel out;
    private final Progress progress;
    private final String name;
    private FileChannel runFile;
    private long runStart;
    private long runLength;
    private long pendingZeros;
    private long written;

    RawSink(WritableByteChannel out, Progress progress, String name) {
        this.out = out;
        this.progress = progress;
        this.name = name;
    }

    /** Bytes handed to {@code out} so far. */
    long written() {
        return written;
    }

    /** {@code length} bytes of {@code file} at {@code offset} (already checked to lie inside it). */
    void host(FileChannel file, long offset, long length) throws IOException {
        flushZeros();
        if (file == runFile && offset == runStart + runLength && runLength + length <= MAX_RUN) {
            runLength += length;
            return;
        }
        flush();
        runFile = file;
        runStart = offset;
        runLength = length;
    }

    /** {@code length} zero bytes: pending until other output follows, so zero runs go out in large writes. */
    void zeros(long length) throws IOException {
        flushRun();
        pendingZeros += length;
    }

    private void flushZeros() throws IOException {
        long n = pendingZeros;
        pendingZeros = 0;
        ZeroPages.write(out, n, this::advance);
    }

    /** Bytes from memory (a decompressed cluster). */
    void bytes(byte[] data, int offset, int length) throws IOException {
        flush();
        // From a heap array the JDK copies into a temporary direct buffer first; this is the compressed path.
        ChannelIo.writeFully(out, ByteBuffer.wrap(data, offset, length));
        advance(length);
    }

    /** Writes what is pending (zeros or a host range; never both). */
    void flush() throws IOException {
        flushZeros();
        flushRun();
    }

    private void flushRun() throws IOException {
        while (runLength > 0) {
            long n = runFile.transferTo(runStart, runLength, out);
            if (n <= 0) {
                throw new FormatException("qcow2 image " + name + ": file ended at " + runStart
                        + " while " + runLength + " more bytes were expected (did it shrink?)");
            }
            runStart += n;
            runLength -= n;
            advance(n);
        }
        runFile = null;
    }

    private void advance(long n) {
        written += n;
        progress.advance(n);
    }
}
