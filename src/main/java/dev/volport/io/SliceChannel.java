package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A read-only window {@code [offset, offset + length)} of a file, seen as a file of its own: how an image inside an
 * archive (a disk of an OVA) is handed to the image readers, which take a {@link FileChannel}. Closing the window
 * leaves the underlying channel open.
 */
public final class SliceChannel extends FileChannel {
    private final FileChannel file;
    private final long offset;
    private final long length;
    private long position;

    public SliceChannel(FileChannel file, long offset, long length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative slice " + offset + "+" + length);
        }
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int off, int len) throws IOException {
        long total = 0;
        for (int i = off; i < off + len; i++) {
            int n = read(dsts[i]);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (dsts[i].hasRemaining()) {
                break;
            }
        }
        return total;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        if (pos >= length) {
            return -1;
        }
        int want = (int) Math.min(dst.remaining(), length - pos);
        ByteBuffer view = dst.duplicate();
        view.limit(view.position() + want);
        int n = file.read(view, offset + pos);
        if (n > 0) {
            dst.position(dst.position() + n);
        }
        return n;
    }

    @Override
    public long size() {
        return length;
    }

    @Override
    public long position() {
        return position;
    }

    @Override
    public FileChannel position(long newPosition) {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        long n = Math.max(0, Math.min(count, length - pos));
        return file.transferTo(offset + pos, n, target);
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public long write(ByteBuffer[] srcs, int off, int len) {
        throw new NonWritableChannelException();
    }

    @Override
    public int write(ByteBuffer src, long pos) {
        throw new NonWritableChannelException();
    }

    @Override
    public FileChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) {
        throw new NonWritableChannelException();
    }

    @Override
    public void force(boolean metaData) {
        // read-only: nothing to flush
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        throw new UnsupportedOperationException("a slice of a file cannot be mapped");
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException("a slice of a file cannot be locked");
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        throw new UnsupportedOperationException("a slice of a file cannot be locked");
    }

    @Override
    protected void implCloseChannel() {
        // the underlying channel belongs to the caller
    }
}
