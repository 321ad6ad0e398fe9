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
import java.util.ArrayDeque;

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
     * Data bytes the extent scan runs ahead of the reader, each extent found asked for with
     * {@link LinuxCalls.Extents#willNeed}: a sparse image not in the page cache is otherwise read one extent at a
     * time, each read waiting for the disk (measured here: 10 GiB with every tenth 64 KiB holding data, not cached,
     * exported in 3.5 s, against 1.2 s cached). The kernel's own readahead serves long extents, so only the first
     * {@value #HINT_MAX} bytes of an extent are asked for.
     */
    static final long AHEAD = 32L << 20;
    static final long HINT_MAX = 2L << 20;

    /**
     * Emits bytes {@code [0, size)} of {@code image} into {@code sink} and finishes it: a {@code data} event per
     * data extent, a {@code zeros} event per hole, and zeros for whatever lies past the file's last data extent
     * ({@code SEEK_DATA} finds none there, also when the file has shrunk below {@code size}).
     */
    public static void read(FileChannel image, LinuxCalls.Extents extents, long size, ExtentSink sink)
            throws IOException {
        Scan scan = new Scan(image, extents, size);
        long pos = 0;
        while (pos < size) {
            Extent extent = scan.next();
            long dataStart = extent == null ? size : extent.start();
            sink.zeros(dataStart - pos);
            pos = dataStart;
            if (extent != null) {
                sink.data(image, pos, extent.end() - pos);
                pos = extent.end();
            }
        }
        sink.finish();
    }

    /** A data extent {@code [start, end)} and how many of its bytes were asked for ahead of reading. */
    private record Extent(long start, long end, long hinted) {
    }

    /** The data extents of the image in order, found up to {@link #AHEAD} data bytes before they are read. */
    private static final class Scan {
        private final FileChannel image;
        private final LinuxCalls.Extents extents;
        private final long size;
        private final ArrayDeque<Extent> found = new ArrayDeque<>();
        private long scanned;
        private long hinted;
        private boolean end;

        Scan(FileChannel image, LinuxCalls.Extents extents, long size) {
            this.image = image;
            this.extents = extents;
            this.size = size;
        }

        /** The next data extent within the size, or null when only zeros follow. */
        Extent next() throws IOException {
            if (found.isEmpty()) {
                findOne(false); // read at once: not worth a hint
            }
            Extent next = found.poll();
            if (next != null) {
                hinted -= next.hinted();
                while (!end && hinted < AHEAD) {
                    findOne(true);
                }
            }
            return next;
        }

        /** Finds the extent after the last one found and queues it, asking for it when {@code hint}. */
        private void findOne(boolean hint) throws IOException {
            if (end) {
                return;
            }
            long data = extents.nextData(scanned);
            if (data < 0 || data >= size) {
                // No data up to the end: a hole to the end, or the end of a file that shrank since its size was
                // read. The second must fail here, before its "zeros" go out as if they were the image's.
                long now = image.size();
                if (now < size) {
                    throw new FormatException("image ended at byte " + now + " of " + size + " during export"
                            + " (the file shrank)");
                }
                end = true;
                return;
            }
            long dataEnd = Math.min(extents.nextHole(data), size);
            long ask = hint ? Math.min(dataEnd - data, HINT_MAX) : 0;
            if (ask > 0) {
                extents.willNeed(data, ask);
                hinted += ask;
            }
            found.add(new Extent(data, dataEnd, ask));
            scanned = dataEnd;
            end = scanned >= size;
        }
    }
}
