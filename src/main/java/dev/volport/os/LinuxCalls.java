package dev.volport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * The Linux calls the JDK lacks, bound with the Foreign Function &amp; Memory API: {@code renameat2} with
 * {@code RENAME_NOREPLACE}, {@code fallocate}, {@code fsync} of a directory, {@code isatty},
 * {@code lseek(SEEK_DATA/SEEK_HOLE)}, {@code fcntl(F_SETPIPE_SZ)}, open file description locks
 * ({@code fcntl(F_OFD_SETLK/F_OFD_SETLKW)}, {@link OfdLock}). Every failure becomes an {@link IOException} naming the call, the path
 * and {@code strerror(errno)}.
 *
 * <p>The real {@link Linux}: one instance is enough for a process ({@link Linux#system()}); it holds only immutable
 * method handles.
 */
public final class LinuxCalls implements Linux {
    static final LinuxCalls SYSTEM = new LinuxCalls();

    private static final int AT_FDCWD = -100;
    private static final int RENAME_NOREPLACE = 1;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int O_RDWR = 2;
    private static final int O_CREAT = 0100;
    private static final int O_EXCL = 0200;
    private static final int O_NONBLOCK = 04000;
    /** {@code O_DIRECT}: one of the flags whose value differs between x86_64 and aarch64. */
    private static final int O_DIRECT = "aarch64".equals(System.getProperty("os.arch")) ? 0200000 : 040000;
    private static final int EINVAL = 22;
    private static final int EXDEV = 18;
    private static final int ENOTTY = 25;
    /** {@code FICLONE} = {@code _IOW(0x94, 9, int)}: the same number on x86_64 and aarch64. */
    private static final long FICLONE = 0x40049409L;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int F_OFD_SETLK = 37;
    private static final int F_OFD_SETLKW = 38;
    private static final short F_RDLCK = 0;
    private static final short F_WRLCK = 1;
    /** {@code struct flock} (x86_64 and aarch64): l_type, l_whence, l_start @8, l_len @16, l_pid @24. */
    private static final long FLOCK_SIZE = 32;
    private static final int EAGAIN = 11;
    private static final int EACCES = 13;
    private static final int ENOENT = 2;
    /** {@code errno} values the callers act on. */
    public static final int EEXIST = 17;
    public static final int EOPNOTSUPP = 95;
    /** {@code sizeof(struct stat)} and the offset of {@code st_blocks}: the same on x86_64 and aarch64. */
    private static final long STAT_SIZE = 144;
    private static final long ST_BLOCKS_OFFSET = 64;

    /** Bound on first use: binding costs a few hundred classes, so a command that never calls it never pays. */
    private static final class Renameat2 {
        static final MethodHandle H = Libc.bind("renameat2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.JAVA_INT));
    }

    private static final class Open {
        static final MethodHandle H = Libc.bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Close {
        static final MethodHandle H = Libc.bindPlain("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Fsync {
        static final MethodHandle H = Libc.bind("fsync",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Syncfs {
        static final MethodHandle H = Libc.bind("syncfs",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Fallocate {
        static final MethodHandle H = Libc.bind("fallocate", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    private static final class Ftruncate {
        static final MethodHandle H = Libc.bind("ftruncate", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    }

    private static final class Fcntl {
        static final MethodHandle H = Libc.bindPlain("fcntl",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT), Linker.Option.firstVariadicArg(2));
    }

    /** {@code fcntl(fd, cmd, struct flock *)}: variadic after the command. */
    private static final class FcntlLock {
        static final MethodHandle H = Libc.LINKER.downcallHandle(Libc.LOOKUP.find("fcntl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS), Linker.Option.firstVariadicArg(2),
                Linker.Option.captureCallState("errno"));
    }

    private static final class SyncFileRange {
        static final MethodHandle H = Libc.bind("sync_file_range", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    }

    private static final class Pwrite {
        static final MethodHandle H = Libc.bind("pwrite", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    }

    /** {@code ioctl(fd, request, int)}: variadic after the request. */
    private static final class IoctlInt {
        static final MethodHandle H = Libc.LINKER.downcallHandle(Libc.LOOKUP.find("ioctl").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"),
                Linker.Option.firstVariadicArg(2));
    }

    private static final class Pipe2 {
        static final MethodHandle H = Libc.bind("pipe2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }

    private static final class Stat {
        static final MethodHandle H = Libc.bind("stat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    /**
     * Bound with {@code errno} capture although nothing reads it: {@code int f(int)} with capture is also how
     * {@code close} is bound ({@link FileMetadataCalls}), and the JDK generates one class per shape and options,
     * shared by the calls that have them. One generated class fewer per process (start-up, issue 17).
     */
    private static final class Isatty {
        static final MethodHandle H = Libc.bind("isatty",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Strerror {
        static final MethodHandle H = Libc.bindPlain("strerror",
                FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(java.lang.foreign.MemoryLayout
                        .sequenceLayout(1024, ValueLayout.JAVA_BYTE)), ValueLayout.JAVA_INT));
    }

    /** An errno-carrying failure of a system call; {@link #errno()} lets callers act on EEXIST and friends. */
    public static final class SyscallException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        /** A failed call's message and the errno it set; public so that a test can stand in for a failing call. */
        public SyscallException(String message, int errno) {
            super(message);
            this.errno = errno;
        }

        public int errno() {
            return errno;
        }
    }

    /**
     * Renames {@code from} to {@code to} atomically, failing with errno {@link #EEXIST} instead of replacing an
     * existing {@code to}. Both must be on one filesystem.
     */
    @Override
    public void renameNoReplace(Path from, Path to) throws IOException {
        syscall("rename " + from + " to " + to, (arena, state) -> (int) Renameat2.H.invokeExact(state, AT_FDCWD,
                arena.allocateFrom(from.toString()), AT_FDCWD, arena.allocateFrom(to.toString()), RENAME_NOREPLACE));
    }

    /** Flushes a directory's entries to stable storage (after a create or rename inside it). */
    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        try {
            syscall("fsync " + dir, (arena, state) -> (int) Fsync.H.invokeExact(state, fd));
        } finally {
            close(fd);
        }
    }

    /**
     * Flushes the whole filesystem that holds {@code dir} ({@code syncfs}): the one call that makes a freshly
     * extracted tree of many files durable.
     */
    @Override
    public void syncfs(Path dir) throws IOException {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        try {
            syscall("syncfs " + dir, (arena, state) -> (int) Syncfs.H.invokeExact(state, fd));
        } finally {
            close(fd);
        }
    }

    /**
     * Allocates {@code length} bytes of {@code file} from {@code offset} ({@code fallocate} mode 0), so later
     * writes cannot fail for lack of space. The file must exist; symlinks are not followed.
     */
    @Override
    public void fallocate(Path file, long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        try {
            syscall("fallocate " + file, (arena, state) -> (int) Fallocate.H.invokeExact(state, fd, 0, offset,
                    length));
        } finally {
            close(fd);
        }
    }

    @Override
    public FileChannel openReadWrite(Path file) throws IOException {
        return FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    }

    @Override
    public void setLength(Path file, long length) throws IOException {
        // opened without O_CREAT: a staging file removed meanwhile (by a signal's cleanup) must not come back
        int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        try {
            syscall("ftruncate " + file, (arena, state) -> (int) Ftruncate.H.invokeExact(state, fd, length));
        } finally {
            close(fd);
        }
    }

    /**
     * Opens a cursor over the data and holes of {@code file} ({@code lseek} with {@code SEEK_DATA}/{@code SEEK_HOLE}).
     * On a filesystem without hole reporting the kernel reports the whole file as data, which is still correct.
     * Symlinks are not followed.
     */
    @Override
    public Extents extents(Path file) throws IOException {
        return new Extents(new FileMetadataCalls().open(FileMetadataCalls.bytes(file), FileMetadataCalls.O_RDONLY
                | FileMetadataCalls.O_CLOEXEC | FileMetadataCalls.O_NOFOLLOW, 0));
    }

    /** A cursor over a file's data extents: the seeks of {@link FileMetadataCalls.Fd} on a file named by path. */
    public static final class Extents implements AutoCloseable {
        private final FileMetadataCalls.Fd fd;

        private Extents(FileMetadataCalls.Fd fd) {
            this.fd = fd;
        }

        /** The first offset at or after {@code pos} that holds data, or -1 when only a hole follows. */
        public long nextData(long pos) throws IOException {
            return fd.nextData(pos);
        }

        /** The first offset at or after {@code pos} that is a hole (the file's end counts as one). */
        public long nextHole(long pos) throws IOException {
            return fd.nextHole(pos);
        }

        /** Starts reading {@code [offset, offset + length)} into the page cache ({@code POSIX_FADV_WILLNEED}). */
        public void willNeed(long offset, long length) {
            fd.willNeed(offset, length);
        }

        @Override
        public void close() throws IOException {
            fd.close();
        }
    }

    /**
     * Opens a handle that starts writeback of ranges of {@code file} ({@code sync_file_range} with
     * {@code SYNC_FILE_RANGE_WRITE}): the disk then works while the stream is still arriving, and the final
     * {@code fsync} has little left to wait for.
     */
    @Override
    public Writeback writeback(Path file) throws IOException {
        return new Writeback(file, open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
    }

    /** Starts asynchronous writeback of written ranges; holds one file descriptor until closed. */
    public static final class Writeback implements AutoCloseable {
        private static final int SYNC_FILE_RANGE_WRITE = 2;
        private final Path file;
        private final int fd;

        private Writeback(Path file, int fd) {
            this.file = file;
            this.fd = fd;
        }

        /** Queues {@code [offset, offset + length)} for writing to disk and returns without waiting. */
        public void start(long offset, long length) throws IOException {
            syscall("sync_file_range " + file, (arena, state) -> (int) SyncFileRange.H.invokeExact(state, fd, offset,
                    length, SYNC_FILE_RANGE_WRITE));
        }

        @Override
        public void close() {
            LinuxCalls.close(fd);
        }
    }

    /**
     * Makes the existing file {@code to} a clone of {@code from} ({@code ioctl FICLONE}): the same bytes, holes
     * included, sharing every block until one side changes it, in time independent of the size. Both are opened
     * with {@code O_NOFOLLOW}.
     *
     * @return false when the filesystem cannot share blocks between the two (another filesystem, ext4, tmpfs)
     */
    @Override
    public boolean cloneFile(Path from, Path to) throws IOException {
        int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        try {
            int out = open(to, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
            try {
                syscall("clone " + from + " to " + to, (arena, state) -> (int) IoctlInt.H.invokeExact(state, out,
                        FICLONE, in));
                return true;
            } catch (SyscallException e) {
                if (e.errno() == EXDEV || e.errno() == EOPNOTSUPP || e.errno() == EINVAL || e.errno() == ENOTTY) {
                    return false;
                }
                throw e;
            } finally {
                close(out);
            }
        } finally {
            close(in);
        }
    }

    /**
     * Opens {@code file} a second time with {@code O_DIRECT} ({@code O_NOFOLLOW}: the caller's own file, never a
     * link to somewhere else). A filesystem without direct I/O refuses the open with {@code EINVAL}: empty then.
     */
    @Override
    public Optional<DirectFile> openDirect(Path file) throws IOException {
        try {
            return Optional.of(new DirectFile(file, open(file, O_WRONLY | O_DIRECT | O_CLOEXEC | O_NOFOLLOW)));
        } catch (SyscallException e) {
            if (e.errno() == EINVAL) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Positional writes of whole blocks through an {@code O_DIRECT} descriptor; holds it until closed. Writing and
     * closing exclude each other: a cleanup on another thread (a signal) must not close the number while a write
     * still uses it, or the write could land in whatever file the number is given to next.
     */
    public static final class DirectFile implements AutoCloseable {
        private final Path file;
        private final int fd;
        private boolean closed;

        DirectFile(Path file, int fd) {
            this.file = file;
            this.fd = fd;
        }

        /**
         * Writes all of {@code block} at {@code offset}: address, offset and length multiples of the logical block
         * size. Loops over short writes; each failure is {@code strerror}'s text alone, as the JDK's channels report.
         */
        public synchronized void write(MemorySegment block, long offset) throws IOException {
            if (closed) {
                throw new IOException("writing " + file + " after the import was cancelled");
            }
            long done = 0;
            long size = block.byteSize();
            while (done < size) {
                long from = done;
                long n;
                try {
                    n = syscall("write", (arena, state) -> (long) Pwrite.H.invokeExact(state, fd,
                            block.asSlice(from), size - from, offset + from));
                } catch (SyscallException e) {
                    throw new SyscallException(strerror(e.errno()), e.errno());
                }
                if (n == 0) {
                    throw new IOException("write returned 0 bytes at offset " + (offset + done) + " of " + file);
                }
                done += n;
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                LinuxCalls.close(fd);
            }
        }
    }

    /** A new pipe ({@code pipe2} with {@code O_CLOEXEC}): its read and write file descriptors. */
    static int[] pipe() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(ValueLayout.JAVA_INT, 2);
            syscall("pipe", (a, state) -> (int) Pipe2.H.invokeExact(state, fds, O_CLOEXEC));
            return new int[] {fds.getAtIndex(ValueLayout.JAVA_INT, 0), fds.getAtIndex(ValueLayout.JAVA_INT, 1)};
        }
    }

    /**
     * Asks for a pipe buffer of {@code bytes} on file descriptor {@code fd} ({@code fcntl F_SETPIPE_SZ}); bigger
     * pipes mean fewer context switches between the two ends of a stream.
     *
     * @return the new buffer size, or -1 when {@code fd} is not a pipe or the size was refused (nothing changes)
     */
    @Override
    public int growPipe(int fd, int bytes) {
        try {
            return (int) Fcntl.H.invokeExact(fd, F_SETPIPE_SZ, bytes);
        } catch (Throwable t) {
            return -1;
        }
    }

    /**
     * An exclusive open file description lock ({@code F_OFD_SETLK}) on a whole file, held through one file
     * descriptor that this object owns. Unlike classic {@code fcntl} locks it belongs to the open file, not to the
     * process: two locks taken through two opens conflict even inside one JVM, closing another descriptor of the
     * same file does not drop it, and the kernel drops it when the process dies (also by SIGKILL). Over NFS it is
     * a lock the server knows, so hosts sharing a storage see each other's locks.
     */
    public static final class OfdLock implements AutoCloseable {
        private final Path file;
        private int fd;

        private OfdLock(Path file, int fd) {
            this.file = file;
            this.fd = fd;
        }

        /** The locked file as it was named when opened. */
        public Path file() {
            return file;
        }

        /** Releases the lock by closing the descriptor; a second call does nothing. */
        @Override
        public synchronized void close() {
            if (fd >= 0) {
                LinuxCalls.close(fd);
                fd = -1;
            }
        }
    }

    /**
     * Creates {@code file} (it must not exist: {@code O_EXCL}, symlinks not followed, mode {@code 0666} less the
     * umask) and locks it. The lock is taken right after the create; a cleaner that could see the file in between
     * must be kept out by a lock of its own (the storage lock).
     *
     * @throws SyscallException errno {@link #EEXIST} when the name is taken
     */
    @Override
    public OfdLock createLocked(Path file) throws IOException {
        int fd = open(file, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        try {
            ofdLock(file, fd, F_OFD_SETLK);
            return new OfdLock(file, fd);
        } catch (IOException | RuntimeException e) {
            close(fd);
            throw e;
        }
    }

    /**
     * Opens {@code file} (created if missing, symlinks not followed) and waits until its lock is held. The wait
     * polls ({@code F_OFD_SETLK}, retried after 1, 2, 4 … at most {@value #LOCK_POLL_MAX_MS} ms) rather than
     * blocking in {@code F_OFD_SETLKW}, which nothing in Java can wake: an interrupt of the waiting thread, or a
     * {@link CancellableThread#cancel}, ends the wait within that time.
     *
     * @throws java.io.InterruptedIOException when the wait was interrupted or cancelled (an interrupt stays set)
     */
    @Override
    public OfdLock lockWaiting(Path file) throws IOException {
        int fd = open(file, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0666);
        try {
            long pause = 1;
            while (true) {
                try {
                    ofdLock(file, fd, F_OFD_SETLK);
                    return new OfdLock(file, fd);
                } catch (SyscallException e) {
                    if (e.errno() != EAGAIN && e.errno() != EACCES) {
                        throw e;
                    }
                }
                if (CancellableThread.currentStopped()) {
                    throw new java.io.InterruptedIOException("the wait for it was cancelled");
                }
                try {
                    Thread.sleep(pause);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("the wait for it was cancelled");
                }
                pause = Math.min(LOCK_POLL_MAX_MS, pause * 2);
            }
        } catch (IOException | RuntimeException e) {
            close(fd);
            throw e;
        }
    }

    /** The longest pause between two tries of a lock that {@link #lockWaiting} waits for. */
    private static final long LOCK_POLL_MAX_MS = 50;

    /**
     * Opens the existing regular file {@code file} for reading (symlinks not followed) and waits until it holds a
     * shared lock on it ({@code F_RDLCK}, {@code F_OFD_SETLKW}): many shared locks coexist, and they keep out the
     * exclusive lock of {@link #tryLock} (and wait for one that is held). QEMU's own image locks are shared locks on
     * single bytes, so they never conflict with this one.
     *
     * @throws java.nio.file.NoSuchFileException when {@code file} does not exist
     */
    @Override
    public OfdLock lockShared(Path file) throws IOException {
        int fd;
        try {
            fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        } catch (SyscallException e) {
            if (e.errno() == ENOENT) {
                throw new java.nio.file.NoSuchFileException(file.toString());
            }
            throw e;
        }
        try {
            ofdLock(file, fd, F_OFD_SETLKW, F_RDLCK);
            return new OfdLock(file, fd);
        } catch (IOException | RuntimeException e) {
            close(fd);
            throw e;
        }
    }

    /**
     * Locks an existing regular file if nobody holds it: empty when another open (in any process, or this one)
     * holds the lock, or when the file no longer exists. Never creates, never follows a symlink, never blocks on a
     * FIFO ({@code O_NONBLOCK}).
     */
    @Override
    public Optional<OfdLock> tryLock(Path file) throws IOException {
        int fd;
        try {
            fd = open(file, O_RDWR | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
        } catch (SyscallException e) {
            if (e.errno() == ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
        try {
            ofdLock(file, fd, F_OFD_SETLK);
            return Optional.of(new OfdLock(file, fd));
        } catch (SyscallException e) {
            close(fd);
            if (e.errno() == EAGAIN || e.errno() == EACCES) {
                return Optional.empty();
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            close(fd);
            throw e;
        }
    }

    private static void ofdLock(Path file, int fd, int cmd) throws IOException {
        ofdLock(file, fd, cmd, F_WRLCK);
    }

    private static void ofdLock(Path file, int fd, int cmd, short type) throws IOException {
        syscall("lock " + file, (arena, state) -> {
            MemorySegment fl = arena.allocate(FLOCK_SIZE, 8);  // zeroed: whence SEEK_SET, start 0, len 0 = all, pid 0
            fl.set(ValueLayout.JAVA_SHORT, 0, type);
            return (int) FcntlLock.H.invokeExact(state, fd, cmd, fl);
        });
    }

    /** Bytes allocated to {@code file} on disk ({@code st_blocks * 512}); follows symlinks. */
    @Override
    public long allocatedBytes(Path file) throws IOException {
        long[] blocks = new long[1];
        syscall("stat " + file, (arena, state) -> {
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            int rc = (int) Stat.H.invokeExact(state, arena.allocateFrom(file.toString()), st);
            blocks[0] = st.get(ValueLayout.JAVA_LONG, ST_BLOCKS_OFFSET);
            return rc;
        });
        return blocks[0] * 512;
    }

    /** Whether file descriptor {@code fd} (0, 1, 2) is a terminal. */
    @Override
    public boolean isatty(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) Isatty.H.invokeExact(arena.allocate(Libc.CAPTURE), fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    private int open(Path path, int flags) throws IOException {
        return open(path, flags, 0);
    }

    private int open(Path path, int flags, int mode) throws IOException {
        return (int) syscall("open " + path, (arena, state) -> (int) Open.H.invokeExact(state,
                arena.allocateFrom(path.toString()), flags, mode));
    }

    /** One system call with {@code errno} captured in {@code state}; returns its result. */
    @FunctionalInterface
    private interface Syscall {
        long call(Arena arena, MemorySegment state) throws Throwable;
    }

    /**
     * Runs {@code call} in a confined arena; a result of -1 (the C library's failure value) becomes a
     * {@link SyscallException} saying {@code what} failed and {@code strerror(errno)}.
     */
    private static long syscall(String what, Syscall call) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Libc.CAPTURE);
            long r = call.call(arena, state);
            if (r == -1) {
                throw failure(what, state);
            }
            return r;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    static void close(int fd) {
        try {
            int ignored = (int) Close.H.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static SyscallException failure(String what, MemorySegment state) {
        int errno = (int) Libc.ERRNO.get(state, 0L);
        return new SyscallException(what + ": " + strerror(errno), errno);
    }

    /** The C library's text for {@code errno}, e.g. "File exists". */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) Strerror.H.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
