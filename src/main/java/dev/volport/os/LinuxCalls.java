package dev.volport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * The Linux calls the JDK lacks, bound with the Foreign Function &amp; Memory API: {@code renameat2} with
 * {@code RENAME_NOREPLACE}, {@code fallocate}, {@code fsync} of a directory, {@code isatty},
 * {@code lseek(SEEK_DATA/SEEK_HOLE)}. Every failure becomes an {@link IOException} naming the call, the path
 * and {@code strerror(errno)}.
 *
 * <p>One instance is enough for a process; it holds only immutable method handles.
 */
public final class LinuxCalls {
    private static final int AT_FDCWD = -100;
    private static final int RENAME_NOREPLACE = 1;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;
    private static final int O_NOFOLLOW = 0400000;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    /** {@code errno} values the callers act on. */
    public static final int EEXIST = 17;
    public static final int ENXIO = 6;
    public static final int EOPNOTSUPP = 95;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private static final MethodHandle RENAMEAT2 = bind("renameat2", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = bindPlain("close",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FSYNC = bind("fsync",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle FALLOCATE = bind("fallocate", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
    private static final MethodHandle LSEEK = bind("lseek", FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle STAT = bind("stat", FunctionDescriptor.of(ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    /** {@code sizeof(struct stat)} and the offset of {@code st_blocks}: the same on x86_64 and aarch64. */
    private static final long STAT_SIZE = 144;
    private static final long ST_BLOCKS_OFFSET = 64;
    private static final MethodHandle ISATTY = bindPlain("isatty",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle STRERROR = bindPlain("strerror",
            FunctionDescriptor.of(ValueLayout.ADDRESS.withTargetLayout(
                    java.lang.foreign.MemoryLayout.sequenceLayout(1024, ValueLayout.JAVA_BYTE)), ValueLayout.JAVA_INT));

    private static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd,
                CAPTURE_ERRNO);
    }

    private static MethodHandle bindPlain(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd);
    }

    /** An errno-carrying failure of a system call; {@link #errno()} lets callers act on EEXIST and friends. */
    public static final class SyscallException extends IOException {
        private static final long serialVersionUID = 1L;
        private final int errno;

        SyscallException(String message, int errno) {
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
    public void renameNoReplace(Path from, Path to) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) RENAMEAT2.invokeExact(state, AT_FDCWD, arena.allocateFrom(from.toString()), AT_FDCWD,
                    arena.allocateFrom(to.toString()), RENAME_NOREPLACE);
            if (rc != 0) {
                throw failure("rename " + from + " to " + to, state);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Flushes a directory's entries to stable storage (after a create or rename inside it). */
    public void fsyncDirectory(Path dir) throws IOException {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) FSYNC.invokeExact(state, fd);
            if (rc != 0) {
                throw failure("fsync " + dir, state);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            close(fd);
        }
    }

    /**
     * Allocates {@code length} bytes of {@code file} from {@code offset} ({@code fallocate} mode 0), so later
     * writes cannot fail for lack of space. The file must exist; symlinks are not followed.
     */
    public void fallocate(Path file, long offset, long length) throws IOException {
        if (length == 0) {
            return;
        }
        int fd = open(file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) FALLOCATE.invokeExact(state, fd, 0, offset, length);
            if (rc != 0) {
                throw failure("fallocate " + file, state);
            }
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            close(fd);
        }
    }

    /**
     * The data extents of a file as {@code [start, end)} pairs found with {@code SEEK_DATA}/{@code SEEK_HOLE}, in
     * order; on a filesystem without hole reporting the whole file is one extent.
     */
    public long[] dataExtents(Path file, long size) throws IOException {
        int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long[] out = new long[16];
            int n = 0;
            long pos = 0;
            while (pos < size) {
                long data = (long) LSEEK.invokeExact(state, fd, pos, SEEK_DATA);
                if (data < 0) {
                    int err = (int) ERRNO.get(state, 0L);
                    if (err == ENXIO) {
                        break;
                    }
                    throw failure("lseek(SEEK_DATA) " + file, state);
                }
                long hole = (long) LSEEK.invokeExact(state, fd, data, SEEK_HOLE);
                if (hole < 0) {
                    throw failure("lseek(SEEK_HOLE) " + file, state);
                }
                hole = Math.min(hole, size);
                if (n + 2 > out.length) {
                    out = java.util.Arrays.copyOf(out, out.length * 2);
                }
                out[n++] = data;
                out[n++] = hole;
                pos = hole;
            }
            return java.util.Arrays.copyOf(out, n);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            close(fd);
        }
    }

    /** Bytes allocated to {@code file} on disk ({@code st_blocks * 512}); follows symlinks. */
    public long allocatedBytes(Path file) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment st = arena.allocate(STAT_SIZE, 8);
            int rc = (int) STAT.invokeExact(state, arena.allocateFrom(file.toString()), st);
            if (rc != 0) {
                throw failure("stat " + file, state);
            }
            return st.get(ValueLayout.JAVA_LONG, ST_BLOCKS_OFFSET) * 512;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Whether file descriptor {@code fd} (0, 1, 2) is a terminal. */
    public boolean isatty(int fd) {
        try {
            return (int) ISATTY.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }

    private int open(Path path, int flags) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), flags, 0);
            if (fd < 0) {
                throw failure("open " + path, state);
            }
            return fd;
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static void close(int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    private static SyscallException failure(String what, MemorySegment state) {
        int errno = (int) ERRNO.get(state, 0L);
        return new SyscallException(what + ": " + strerror(errno), errno);
    }

    /** The C library's text for {@code errno}, e.g. "File exists". */
    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
