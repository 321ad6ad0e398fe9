package dev.volport.os;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.function.LongConsumer;

/**
 * Writes runs of zero bytes to an output channel without copying them where the kernel allows it.
 *
 * <p>The source is an anonymous memory file ({@code memfd_create}) of {@link #HOLE} bytes that is never written:
 * one hole on tmpfs. {@link FileChannel#transferTo} from it becomes {@code sendfile}; into a pipe, Linux (6.5 and
 * later) splices references to the shared zero page instead of copying, so the zeros of a sparse image cost the
 * writer almost nothing and the reader one copy. Into a file or socket, and on older kernels, the kernel copies
 * from zero pages, which is no worse than writing a buffer of zeros. The hole is small, so a kernel that fills it
 * with real pages while splicing spends at most {@link #HOLE} bytes of memory.
 *
 * <p>When {@code memfd_create} is not available (a seccomp filter, a kernel without it) the zeros are written
 * from one direct buffer instead.
 */
public final class ZeroPages {
    /** Size of the hole, and so the largest piece one {@code sendfile} is asked to move. */
    static final long HOLE = 8L << 20;
    private static final int MFD_CLOEXEC = 1;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

    private ZeroPages() {
    }

    /** The hole, opened on first use; {@code null} when it could not be made. */
    private static final class Source {
        static final FileChannel CHANNEL = open();

        private static FileChannel open() {
            try {
                MethodHandle memfd = Libc.bind("memfd_create", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
                int fd;
                try (Arena arena = Arena.ofConfined()) {
                    fd = (int) memfd.invokeExact(arena.allocate(Libc.CAPTURE), arena.allocateFrom("volport-zeros"),
                            MFD_CLOEXEC);
                }
                if (fd < 0) {
                    return null;
                }
                // Sized and read through the JDK on /proc/self/fd (one native binding instead of three). The
                // descriptor memfd_create returned stays open with this channel, for the life of the process.
                @SuppressWarnings("resource")
                RandomAccessFile file = new RandomAccessFile("/proc/self/fd/" + fd, "rw");
                file.setLength(HOLE);
                FileChannel ch = file.getChannel();
                if (ch.size() != HOLE) {
                    ch.close();
                    return null;
                }
                return ch;
            } catch (Throwable t) {
                return null;
            }
        }
    }

    /** Whether zeros go out by {@code sendfile} from the hole (false: from a buffer). */
    public static boolean spliced() {
        return Source.CHANNEL != null;
    }

    /**
     * Writes {@code count} zero bytes to {@code out}, reporting each piece to {@code written} as it goes (at most
     * {@link #HOLE} bytes at a time).
     */
    public static void write(WritableByteChannel out, long count, LongConsumer written) throws IOException {
        FileChannel hole = Source.CHANNEL;
        long left = count;
        while (left > 0) {
            long n = 0;
            if (hole != null) {
                n = hole.transferTo(0, Math.min(left, HOLE), out);
            }
            if (n <= 0) {
                // No hole, or it reported nothing moved (never seen): a buffer of zeros always works.
                ByteBuffer z = ZEROS.duplicate();
                z.limit((int) Math.min(z.capacity(), left));
                n = z.remaining();
                while (z.hasRemaining()) {
                    out.write(z);
                }
            }
            left -= n;
            written.accept(n);
        }
    }
}
