package dev.volport.format.raw;

import dev.volport.format.FormatException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ZeroPages;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Reads a raw image file as extents: its data ranges, found with {@code SEEK_DATA}/{@code SEEK_HOLE}, become
 * {@link ExtentSink#data} events, its holes {@link ExtentSink#zeros}. Into a {@link RawBodyEncoder} that means data
 * goes out by {@code sendfile} and never enters the Java heap, and holes are written by {@link ZeroPages}: reading
 * a hole of the image itself through the page cache costs as much as reading data (a sparse 3 GiB file on ext4
 * takes 10 s through {@code sendfile} or {@code dd bs=4k} here), while zeros spliced from a tmpfs hole cost next
 * to nothing.
 */
public final class RawSizeExporter {
    private RawSizeExporter() {
    }

    /**
     * Writes a {@code raw+size} stream of {@code image} to {@code out}: the size header, then exactly {@code size}
     * bytes from offset 0 ({@link #read} into {@link RawBodyEncoder#stream}).
     *
     * @param what the volume or file, for messages
     * @throws dev.volport.io.ExtentException when the file ends before {@code size} bytes (it shrank while being
     *     exported)
     */
    public static void export(FileChannel image, LinuxCalls.Extents extents, long size, WritableByteChannel out,
            Progress progress, String what) throws IOException {
        read(image, extents, size, RawBodyEncoder.stream(out, size, ZeroPages::write, progress, what));
    }

    /**
     * Emits bytes {@code [0, size)} of {@code image} into {@code sink} and finishes it: a {@code data} event per
     * data extent, a {@code zeros} event per hole, and zeros for whatever lies past the file's last data extent
     * ({@code SEEK_DATA} finds none there, also when the file has shrunk below {@code size}).
     */
    public static void read(FileChannel image, LinuxCalls.Extents extents, long size, ExtentSink sink)
            throws IOException {
        long pos = 0;
        while (pos < size) {
            long data = extents.nextData(pos);
            long dataStart = data < 0 ? size : Math.min(data, size);
            if (data < 0 || data >= size) {
                // No data up to the end: a hole to the end, or the end of a file that shrank since its size was
                // read. The second must fail here, before its "zeros" go out as if they were the image's.
                long now = image.size();
                if (now < size) {
                    throw new FormatException("image ended at byte " + now + " of " + size + " during export"
                            + " (the file shrank)");
                }
            }
            sink.zeros(dataStart - pos);
            pos = dataStart;
            if (pos < size) {
                long dataEnd = Math.min(extents.nextHole(pos), size);
                sink.data(image, pos, dataEnd - pos);
                pos = dataEnd;
            }
        }
        sink.finish();
    }
}
