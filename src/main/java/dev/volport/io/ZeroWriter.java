package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.function.LongConsumer;

/**
 * Writes a run of zero bytes to an output channel. The caller picks how: {@code os.ZeroPages::write} splices the
 * zeros from a never-written memory file (no copy into a pipe), which {@code io} cannot name itself;
 * {@link #BUFFERED} writes them from a buffer and works everywhere.
 */
@FunctionalInterface
public interface ZeroWriter {
    /** Writes the zeros from one shared read-only direct buffer of 1 MiB. */
    ZeroWriter BUFFERED = new ZeroWriter() {
        private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();

        @Override
        public void write(WritableByteChannel out, long count, LongConsumer written) throws IOException {
            long left = count;
            while (left > 0) {
                ByteBuffer z = ZEROS.duplicate();
                z.limit((int) Math.min(z.capacity(), left));
                int n = z.remaining();
                ChannelIo.writeFully(out, z);
                left -= n;
                written.accept(n);
            }
        }
    };

    /**
     * Writes exactly {@code count} zero bytes (none when it is 0) to {@code out}, telling {@code written} of every
     * piece as it goes out, so progress moves during a long run.
     */
    void write(WritableByteChannel out, long count, LongConsumer written) throws IOException;
}
