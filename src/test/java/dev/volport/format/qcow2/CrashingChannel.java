package dev.volport.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that "loses power" after a number of positional writes: that write and everything after it
 * (writes, truncates, flushes) fail and change nothing, so the file holds what a crash at that point would leave
 * (the page cache is assumed to reach the disk in order, as the flushes between the steps ensure).
 */
final class CrashingChannel extends FileChannel {
    private final FileChannel inner;
    private int writesLeft;
    private boolean crashed;

    CrashingChannel(FileChannel inner, int writes) {
        this.inner = inner;
        this.writesLeft = writes;
    }

    boolean crashed() {
        return crashed;
    }

    private void alive() throws IOException {
        if (crashed) {
            throw new IOException("power lost");
        }
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        alive();
        if (src.hasRemaining() && writesLeft-- <= 0) {
            crashed = true;
            throw new IOException("power lost");
        }
        return inner.write(src, position);
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        alive();
        inner.truncate(size);
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        alive();
        inner.force(metaData);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return inner.read(dst, position);
    }

    @Override
    public long size() throws IOException {
        return inner.size();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return inner.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return inner.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new UnsupportedOperationException("only positional writes");
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
        throw new UnsupportedOperationException("only positional writes");
    }

    @Override
    public long position() throws IOException {
        return inner.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        inner.position(newPosition);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return inner.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw new UnsupportedOperationException("only positional writes");
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException("not mapped");
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return inner.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return inner.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        inner.close();
    }
}
