package dev.volport.format.raw;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ZeroPages;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes a {@code raw+size} stream from a raw image file: the size header, then exactly {@code size} bytes.
 * Data extents go through {@link FileChannel#transferTo}, which the JDK turns into {@code sendfile} when the
 * target is a file descriptor (a pipe, a socket, a file), so their bytes never enter the Java heap. Holes, found
 * with {@code SEEK_DATA}/{@code SEEK_HOLE}, are written by {@link ZeroPages}: reading a hole of the image itself
 * through the page cache costs as much as reading data (a sparse 3 GiB file on ext4 takes 10 s through
 * {@code sendfile} or {@code dd bs=4k} here), while zeros spliced from a tmpfs hole cost next to nothing.
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
    public static void export(FileChannel image, LinuxCalls.Extents extents, long size, WritableByteChannel out,
            Progress progress) throws IOException {
        SizeHeader.write(out, size);
        copyBody(image, extents, size, out, progress);
    }

    /**
     * Streams bytes {@code [0, size)} of {@code image} to {@code out}: data extents with {@code sendfile}, holes
     * as zeros. Used for raw images and for the verbatim body of {@code qcow2+size}/{@code vmdk+size}.
     *
     * @throws FormatException when the file ends before {@code size} bytes
     */
    public static void copyBody(FileChannel image, LinuxCalls.Extents extents, long size, WritableByteChannel out,
            Progress progress) throws IOException {
        long pos = 0;
        while (pos < size) {
            long data = extents.nextData(pos);
            long dataStart = data < 0 ? size : Math.min(data, size);
            zeros(out, dataStart - pos, progress);
            pos = dataStart;
            if (pos < size) {
                long dataEnd = Math.min(extents.nextHole(pos), size);
                copy(image, pos, dataEnd, out, size, progress);
                pos = dataEnd;
            }
        }
    }

    private static void copy(FileChannel image, long from, long to, WritableByteChannel out, long size,
            Progress progress) throws IOException {
        long pos = from;
        while (pos < to) {
            long n = image.transferTo(pos, Math.min(CHUNK, to - pos), out);
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

    private static void zeros(WritableByteChannel out, long count, Progress progress) throws IOException {
        ZeroPages.write(out, count, progress::advance);
    }
}
