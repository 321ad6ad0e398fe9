package dev.volport.format.raw;

import dev.volport.format.FormatException;
import dev.volport.io.DirectOutput;
import dev.volport.io.ExtentException;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyDecoder;
import dev.volport.io.SparseFileSink;
import dev.volport.io.WritebackHint;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * Copies exactly {@code size} bytes of a raw stream body into a file that reads back zeros where nothing was
 * written (a new file, or one just extended with {@code ftruncate}), skipping all-zero blocks so the result is
 * sparse. It then checks that the stream ends right there: fewer bytes and more bytes are both errors. The
 * pipeline is {@link RawBodyDecoder} (zero-block detection) into a {@link SparseFileSink} (positional writes, holes
 * for zeros, writeback hints).
 *
 * <p>Never use it on a target that may hold old data (a reused block device): skipped blocks would keep it.
 */
public final class SparseRawImporter {
    /** Granularity of hole detection: the usual filesystem block. */
    public static final int BLOCK = RawBodyDecoder.BLOCK;
    /** Bytes read from the stream per round; one direct buffer of this size is the only allocation. */
    public static final int BUFFER = RawBodyDecoder.BUFFER;

    private final RawBodyDecoder decoder = new RawBodyDecoder();
    private final WritebackHint hint;
    private final Optional<DirectOutput> direct;

    /** An importer that does not report written ranges. */
    public SparseRawImporter() {
        this(WritebackHint.NONE, Optional.empty());
    }

    /**
     * An importer that reports written ranges every {@value SparseFileSink#WRITEBACK_STEP} bytes of stream and
     * writes long runs of data through {@code direct} when present (see {@link SparseFileSink}).
     */
    public SparseRawImporter(WritebackHint hint, Optional<DirectOutput> direct) {
        this.hint = hint;
        this.direct = direct;
    }

    /**
     * Reads the body from {@code in} and writes its non-zero blocks to {@code target} at the same offsets.
     *
     * @return the number of bytes actually written (the rest were zero blocks left as holes)
     * @throws FormatException when the stream ends before {@code size} bytes or goes on after them
     */
    public long copy(ReadableByteChannel in, long size, FileChannel target, Progress progress) throws IOException {
        SparseFileSink sink = new SparseFileSink(target, hint, direct);
        try {
            decoder.read(in, size, sink, progress);
        } catch (ExtentException e) {
            throw new FormatException(e.getMessage(), e);
        }
        return sink.written();
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
        try {
            return decoder.readToEnd(in, limit, new SparseFileSink(target, hint, direct), progress);
        } catch (ExtentException e) {
            throw new FormatException(e.getMessage(), e);
        }
    }
}
