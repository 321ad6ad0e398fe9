package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * The body of a {@code raw+size} stream as the reference sends files whose size is not a multiple of 512 bytes:
 * {@code pvesm export} writes the size that {@code qemu-img info} reports, rounded up to whole 512-byte sectors, and
 * then only the file's bytes (a 1000-byte file: header 1024, 1000 bytes). When such a stream ends, at end of file,
 * fewer than 512 bytes short of a size that is a multiple of 512, this channel supplies the missing bytes as zeros —
 * what a guest reads there anyway, since disks are read in whole sectors — and {@link #padded()} says how many. Any
 * other shortfall reaches the reader as the end of the stream, so it stays a truncation error.
 */
public final class SectorPaddedChannel implements ReadableByteChannel {
    private static final int SECTOR = 512;

    private final ReadableByteChannel in;
    private final long size;
    private long read;
    private long padded;
    private boolean ended;

    public SectorPaddedChannel(ReadableByteChannel in, long size) {
        this.in = in;
        this.size = size;
    }

    /** Zero bytes supplied after the stream ended; 0 for a stream that held its whole announced size. */
    public long padded() {
        return padded;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        if (!ended) {
            int n = in.read(dst);
            if (n >= 0) {
                read += n;
                return n;
            }
            ended = true;
        }
        long missing = size - read - padded;
        if (missing <= 0 || size % SECTOR != 0 || size - read >= SECTOR) {
            return -1;
        }
        int n = (int) Math.min(missing, dst.remaining());
        for (int i = 0; i < n; i++) {
            dst.put((byte) 0);
        }
        padded += n;
        return n;
    }

    @Override
    public boolean isOpen() {
        return in.isOpen();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
