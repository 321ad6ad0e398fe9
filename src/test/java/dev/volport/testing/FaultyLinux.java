package dev.volport.testing;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real {@link Linux} calls, with faults a test asks for: a write that fails once {@code failAt} bytes went
 * through (0 = the first write), a flush that fails, writes cut short to at most {@code shortWrites} bytes, and a
 * commit rename that fails with EEXIST. The failures read as the kernel's through the JDK ({@code No space left on
 * device}, {@code Input/output error}), so what the user would see is what the test sees. Set the faults before
 * the operation; counters are shared by every channel opened through it.
 */
public final class FaultyLinux implements Linux {
    /** The kernel's words for the errors a test injects. */
    public enum Errno {
        ENOSPC(28, "No space left on device"), EIO(5, "Input/output error"), EEXIST(17, "File exists");

        final int number;
        final String text;

        Errno(int number, String text) {
            this.number = number;
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    private final Linux real = Linux.system();
    private long failAt = -1;
    private Errno writeError;
    private Errno flushError;
    private int shortWrites;
    private boolean renameExists;
    private long written;
    private int writes;

    /** Writes fail with {@code errno} once {@code bytes} bytes have been written (0: the very first write). */
    public FaultyLinux failWritesAfter(long bytes, Errno errno) {
        this.failAt = bytes;
        this.writeError = errno;
        return this;
    }

    /** {@code force} (the flush before the commit) fails with {@code errno}. */
    public FaultyLinux failFlush(Errno errno) {
        this.flushError = errno;
        return this;
    }

    /** Every write writes at most {@code bytes} bytes (at least 1), as a write to a slow device may. */
    public FaultyLinux shortWrites(int bytes) {
        this.shortWrites = bytes;
        return this;
    }

    /** The commit rename finds its target taken: {@code renameat2} fails with EEXIST. */
    public FaultyLinux renameFindsTargetTaken() {
        this.renameExists = true;
        return this;
    }

    /** Bytes written through channels of this seam so far. */
    public synchronized long written() {
        return written;
    }

    /** Write calls that reached the real file so far. */
    public synchronized int writes() {
        return writes;
    }

    synchronized int allowWrite(int wanted) throws IOException {
        if (writeError != null && written >= failAt) {
            throw new IOException(writeError.text);
        }
        int n = wanted;
        if (writeError != null) {
            n = (int) Math.min(n, Math.max(1, failAt - written));
        }
        return shortWrites > 0 ? Math.min(n, shortWrites) : n;
    }

    synchronized void wrote(int n) {
        written += n;
        writes++;
    }

    synchronized void flushing() throws IOException {
        if (flushError != null) {
            throw new IOException(flushError.text);
        }
    }

    @Override
    public FileChannel openReadWrite(Path file) throws IOException {
        return new FaultyChannel(real.openReadWrite(file), this);
    }

    @Override
    public void renameNoReplace(Path from, Path to) throws IOException {
        if (renameExists) {
            throw new LinuxCalls.SyscallException("rename " + from + " to " + to + ": " + Errno.EEXIST.text,
                    Errno.EEXIST.number);
        }
        real.renameNoReplace(from, to);
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        real.fsyncDirectory(dir);
    }

    @Override
    public void syncfs(Path dir) throws IOException {
        flushing();
        real.syncfs(dir);
    }

    @Override
    public void fallocate(Path file, long offset, long length) throws IOException {
        real.fallocate(file, offset, length);
    }

    @Override
    public void setLength(Path file, long length) throws IOException {
        real.setLength(file, length);
    }

    @Override
    public LinuxCalls.Extents extents(Path file) throws IOException {
        return real.extents(file);
    }

    @Override
    public LinuxCalls.Writeback writeback(Path file) throws IOException {
        return real.writeback(file);
    }

    @Override
    public int growPipe(int fd, int bytes) {
        return real.growPipe(fd, bytes);
    }

    @Override
    public LinuxCalls.OfdLock createLocked(Path file) throws IOException {
        return real.createLocked(file);
    }

    @Override
    public LinuxCalls.OfdLock lockWaiting(Path file) throws IOException {
        return real.lockWaiting(file);
    }

    @Override
    public LinuxCalls.OfdLock lockShared(Path file) throws IOException {
        return real.lockShared(file);
    }

    @Override
    public Optional<LinuxCalls.OfdLock> tryLock(Path file) throws IOException {
        return real.tryLock(file);
    }

    @Override
    public long allocatedBytes(Path file) throws IOException {
        return real.allocatedBytes(file);
    }

    @Override
    public boolean isatty(int fd) {
        return real.isatty(fd);
    }
}
