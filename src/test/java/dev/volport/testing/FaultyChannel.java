package dev.volport.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that passes everything to a real one, except that writes and {@code force} consult a
 * {@link FaultyLinux}: a write may fail as the kernel fails it (the JDK's message for ENOSPC or EIO) or write fewer
 * bytes than asked, and {@code force} may fail. Reads, sizes and positions are the real file's.
 */
final class FaultyChannel extends FileChannel {
    private final FileChannel real;
    private final FaultyLinux faults;

    FaultyChannel(FileChannel real, FaultyLinux faults) {
        this.real = real;
        this.faults = faults;
    }

    /** Lets at most {@link FaultyLinux#allowWrite} bytes of {@code src} through; the rest stays in {@code src}. */
    private int limited(ByteBuffer src, WriteCall call) throws IOException {
        int allowed = faults.allowWrite(src.remaining());
        int limit = src.limit();
        src.limit(src.position() + allowed);
        try {
            int n = call.write(src);
            faults.wrote(n);
            return n;
        } finally {
            src.limit(limit);
        }
    }

    @FunctionalInterface
    private interface WriteCall {
        int write(ByteBuffer src) throws IOException;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return limited(src, real::write);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        return limited(src, b -> real.write(b, position));
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            if (srcs[i].hasRemaining()) {
                return n + write(srcs[i]);
            }
        }
        return n;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        faults.flushing();
        real.force(metaData);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
        int n = src.read(buf);
        if (n <= 0) {
            return 0;
        }
        buf.flip();
        long done = 0;
        while (buf.hasRemaining()) {
            done += write(buf, position + done);
        }
        return done;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return real.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return real.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return real.read(dst, position);
    }

    @Override
    public long position() throws IOException {
        return real.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        real.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return real.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        real.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return real.transferTo(position, count, target);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new UnsupportedOperationException("not mapped in fault tests");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return real.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return real.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        real.close();
    }
}
