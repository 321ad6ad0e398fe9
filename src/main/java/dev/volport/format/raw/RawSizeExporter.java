package dev.volport.format.raw;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a {@code raw+size} stream from a raw image file: the size header, then exactly {@code size} bytes.
 * The body goes through {@link FileChannel#transferTo}, which the JDK turns into {@code sendfile} when the
 * target is a file descriptor (a pipe, a socket, a file), so the bytes never enter the Java heap.
 */
public final class RawSizeExporter {
    /** Bytes per {@code transferTo} call: small enough for smooth progress, large enough to cost nothing. */
    static final long CHUNK = 8L << 20;

    private RawSizeExporter() {
    }

    /**
     * Streams {@code size} bytes of {@code image} from offset 0 to {@code out}, preceded by the header.
     *
     * @throws FormatException when the file ends before {@code size} bytes (it shrank while being exported)
     */
    public static void export(FileChannel image, long size, WritableByteChannel out, Progress progress)
            throws IOException {
        SizeHeader.write(out, size);
        long pos = 0;
        while (pos < size) {
            long n = image.transferTo(pos, Math.min(CHUNK, size - pos), out);
            if (n <= 0) {
                if (image.size() <= pos) {
                    throw new FormatException("image ended at byte " + pos + " of " + size + " during export");
                }
                continue;
            }
            pos += n;
            progress.advance(n);
        }
    }
}
