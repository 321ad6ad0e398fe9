package dev.volport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The file-metadata calls a faithful tree copy needs and the JDK lacks or hides behind symlink-following
 * defaults: {@code lstat}, {@code lchown}, {@code mknod}, {@code mkdir}, {@code symlink}, {@code link},
 * {@code readlink}, {@code fchmodat} (setuid/setgid/sticky included), {@code utimensat(AT_SYMLINK_NOFOLLOW)},
 * {@code l*xattr}, directory listing ({@code getdents64}) and raw file descriptors with {@code pread},
 * {@code pwrite}, {@code ftruncate} and {@code lseek(SEEK_DATA/SEEK_HOLE)}.
 *
 * <p>Paths are byte arrays (without the terminating NUL), because Linux file names are bytes: a name that is
 * not valid in the JVM's {@code sun.jnu.encoding} would be mangled by {@link Path}. {@link #bytes(Path)} converts
 * the other way for the paths volport itself chooses. No call here follows a symlink in the last component; the
 * caller is responsible for the components before it.
 *
 * <p>Every failure is a {@link LinuxCalls.SyscallException} naming the call, the path and {@code strerror(errno)}.
 * One instance is enough for a process; it holds no state. Supported: x86_64 and aarch64 Linux with glibc 2.33+
 * (which exports {@code lstat}, {@code mknod} and {@code getdents64} as functions).
 */
public final class FileMetadataCalls {
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    /** {@code open(2)} flags the callers use, from {@code <asm-generic/fcntl.h>} (same on x86_64 and aarch64). */
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;
    private static final int SEEK_DATA = 3;
    private static final int POSIX_FADV_WILLNEED = 3;
    private static final int SEEK_HOLE = 4;
    private static final int SYNC_FILE_RANGE_WRITE = 2;
    /** {@code errno} values the callers act on. */
    public static final int ENOENT = 2;
    public static final int ENXIO = 6;
    public static final int EEXIST = 17;
    public static final int ENODATA = 61;
    public static final int EOPNOTSUPP = 95;
    /** File type bits of {@code st_mode} ({@code <sys/stat.h>}). */
    public static final int S_IFMT = 0170000;
    public static final int S_IFSOCK = 0140000;
    public static final int S_IFLNK = 0120000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;

    /**
     * {@code struct stat} of the running architecture. x86_64 ({@code <bits/struct_stat.h>}, 144 bytes):
     * dev u64 @0, ino u64 @8, nlink u64 @16, mode u32 @24, uid u32 @28, gid u32 @32, pad @36, rdev u64 @40,
     * size i64 @48, blksize i64 @56, blocks i64 @64, atim {sec, nsec} @72/@80, mtim @88/@96, ctim @104/@112.
     * aarch64 (the generic layout, 128 bytes): dev @0, ino @8, mode u32 @16, nlink u32 @20, uid @24, gid @28,
     * rdev @32, size @48, blksize i32 @56, blocks @64, and the times at the same offsets as x86_64.
     */
    private static final boolean X86_64 = !"aarch64".equals(System.getProperty("os.arch"));
    private static final long STAT_SIZE = 144; // big enough for both layouts
    private static final long ST_NLINK = X86_64 ? 16 : 20;
    private static final long ST_MODE = X86_64 ? 24 : 16;
    private static final long ST_UID = X86_64 ? 28 : 24;
    private static final long ST_GID = X86_64 ? 32 : 28;
    private static final long ST_RDEV = X86_64 ? 40 : 32;

    /** Shorthands over {@link Libc}, set up on the first native call. */
    private static final class Lib {
        static final StructLayout CAPTURE = Libc.CAPTURE;
        static final VarHandle ERRNO = Libc.ERRNO;
        static final ValueLayout I = ValueLayout.JAVA_INT;
        static final ValueLayout L = ValueLayout.JAVA_LONG;
        static final ValueLayout A = ValueLayout.ADDRESS;

        static MethodHandle bind(String name, ValueLayout ret, ValueLayout... args) {
            return Libc.bind(name, FunctionDescriptor.of(ret, args));
        }
    }

    /* One holder class per function: bound on first use, as binding one costs a generated class or more. */
    private static final class Lstat {
        static final MethodHandle H = Lib.bind("lstat", Lib.I, Lib.A, Lib.A);
    }

    private static final class Lchown {
        static final MethodHandle H = Lib.bind("lchown", Lib.I, Lib.A, Lib.I, Lib.I);
    }

    private static final class Fchmodat {
        static final MethodHandle H = Lib.bind("fchmodat", Lib.I, Lib.I, Lib.A, Lib.I, Lib.I);
    }

    private static final class Mknod {
        static final MethodHandle H = Lib.bind("mknod", Lib.I, Lib.A, Lib.I, Lib.L);
    }

    private static final class Mkdir {
        static final MethodHandle H = Lib.bind("mkdir", Lib.I, Lib.A, Lib.I);
    }

    private static final class Symlink {
        static final MethodHandle H = Lib.bind("symlink", Lib.I, Lib.A, Lib.A);
    }

    private static final class Link {
        static final MethodHandle H = Lib.bind("link", Lib.I, Lib.A, Lib.A);
    }

    private static final class Readlink {
        static final MethodHandle H = Lib.bind("readlink", Lib.L, Lib.A, Lib.A, Lib.L);
    }

    private static final class Utimensat {
        static final MethodHandle H = Lib.bind("utimensat", Lib.I, Lib.I, Lib.A, Lib.A, Lib.I);
    }

    private static final class Lsetxattr {
        static final MethodHandle H = Lib.bind("lsetxattr", Lib.I, Lib.A, Lib.A, Lib.A, Lib.L, Lib.I);
    }

    private static final class Lgetxattr {
        static final MethodHandle H = Lib.bind("lgetxattr", Lib.L, Lib.A, Lib.A, Lib.A, Lib.L);
    }

    private static final class Llistxattr {
        static final MethodHandle H = Lib.bind("llistxattr", Lib.L, Lib.A, Lib.A, Lib.L);
    }

    private static final class Open {
        static final MethodHandle H = Lib.bind("open", Lib.I, Lib.A, Lib.I, Lib.I);
    }

    private static final class Close {
        static final MethodHandle H = Lib.bind("close", Lib.I, Lib.I);
    }

    private static final class Pread {
        static final MethodHandle H = Lib.bind("pread", Lib.L, Lib.I, Lib.A, Lib.L, Lib.L);
    }

    private static final class Pwrite {
        static final MethodHandle H = Lib.bind("pwrite", Lib.L, Lib.I, Lib.A, Lib.L, Lib.L);
    }

    private static final class Ftruncate {
        static final MethodHandle H = Lib.bind("ftruncate", Lib.I, Lib.I, Lib.L);
    }

    private static final class SyncFileRange {
        static final MethodHandle H = Lib.bind("sync_file_range", Lib.I, Lib.I, Lib.L, Lib.L, Lib.I);
    }

    private static final class Fadvise {
        static final MethodHandle H = Lib.bind("posix_fadvise", Lib.I, Lib.I, Lib.L, Lib.L, Lib.I);
    }

    private static final class Lseek {
        static final MethodHandle H = Lib.bind("lseek", Lib.L, Lib.I, Lib.L, Lib.I);
    }

    private static final class Getdents64 {
        static final MethodHandle H = Lib.bind("getdents64", Lib.L, Lib.I, Lib.A, Lib.L);
    }

    /** One native call: returns the C result; negative means failure with errno in {@code state}. */
    @FunctionalInterface
    private interface Call {
        long run(SegmentAllocator arena, MemorySegment state) throws Throwable;
    }

    /**
     * Native memory a thread reuses for its calls (an arena per call costs more than most of the calls): the
     * errno capture, a {@code struct stat}, a buffer of {@link #BIG} bytes for listings and attribute values,
     * and a slicing area for the C strings and small structs of one call (anything larger comes from a
     * confined arena closed after the call). Calls do not nest, so one scratch per thread is enough.
     */
    private static final class Scratch implements SegmentAllocator {
        /** {@code XATTR_SIZE_MAX} and {@code XATTR_LIST_MAX} of Linux: every attribute value or list fits. */
        static final int BIG = 65536;
        private static final int SLICES = 16384;
        private final MemorySegment memory = Arena.ofAuto().allocate(SLICES + BIG + STAT_SIZE + 64, 16);
        final MemorySegment state = memory.asSlice(0, Lib.CAPTURE.byteSize());
        final MemorySegment stat = memory.asSlice(64, STAT_SIZE);
        final MemorySegment big = memory.asSlice(64 + STAT_SIZE, BIG);
        private final MemorySegment slices = memory.asSlice(64 + STAT_SIZE + BIG, SLICES);
        private long used;
        private Arena overflow;

        @Override
        public MemorySegment allocate(long size, long align) {
            long start = (used + align - 1) & -align;
            if (start + size <= SLICES) {
                used = start + size;
                return slices.asSlice(start, size).fill((byte) 0);
            }
            if (overflow == null) {
                overflow = Arena.ofConfined();
            }
            return overflow.allocate(size, align);
        }

        void reset() {
            used = 0;
            if (overflow != null) {
                overflow.close();
                overflow = null;
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static long call(String what, byte[] path, Call call) throws IOException {
        long rc = tryCall(call);
        if (rc < 0) {
            int errno = (int) -rc;
            throw new LinuxCalls.SyscallException(what + " " + show(path) + ": " + LinuxCalls.strerror(errno), errno);
        }
        return rc;
    }

    /** Runs one native call with the thread's scratch memory; returns its result, or {@code -errno} on failure. */
    private static long tryCall(Call call) {
        Scratch sc = SCRATCH.get();
        try {
            long rc = call.run(sc, sc.state);
            if (rc < 0) {
                int errno = (int) Lib.ERRNO.get(sc.state, 0L);
                return -(errno > 0 ? errno : 5); // EIO should the C library fail without saying why
            }
            return rc;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t);
        } finally {
            sc.reset();
        }
    }

    private static MemorySegment c(SegmentAllocator arena, byte[] s) {
        MemorySegment seg = arena.allocate(s.length + 1L);
        MemorySegment.copy(s, 0, seg, ValueLayout.JAVA_BYTE, 0, s.length);
        return seg; // allocate() zero-fills, so the terminating NUL is there
    }

    /** A path for messages: the bytes as UTF-8, invalid sequences replaced. */
    public static String show(byte[] path) {
        return new String(path, StandardCharsets.UTF_8);
    }

    /** The bytes the kernel sees for {@code path}, encoded as the JVM encodes file names. */
    public static byte[] bytes(Path path) {
        String enc = System.getProperty("sun.jnu.encoding");
        Charset cs = enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
        return path.toString().getBytes(cs);
    }

    /**
     * The result of {@code lstat}: the link itself, never its target. Times are split into seconds and
     * nanoseconds as the kernel keeps them.
     */
    public record FileStat(long dev, long ino, int mode, long nlink, int uid, int gid, long rdev, long size,
            long blocks, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec) {
        /** The type bits ({@link #S_IFREG}, {@link #S_IFDIR}, ...). */
        public int type() {
            return mode & S_IFMT;
        }

        /** Permission bits including setuid, setgid and sticky ({@code 07777}). */
        public int permissions() {
            return mode & 07777;
        }

        public boolean isDirectory() {
            return type() == S_IFDIR;
        }

        public boolean isSymlink() {
            return type() == S_IFLNK;
        }

        public boolean isRegular() {
            return type() == S_IFREG;
        }

        /** Major number of {@code rdev} (glibc {@code major()}). */
        public int rdevMajor() {
            return (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & 0xfffff000L));
        }

        /** Minor number of {@code rdev} (glibc {@code minor()}). */
        public int rdevMinor() {
            return (int) ((rdev & 0xff) | ((rdev >>> 12) & 0xffffff00L));
        }
    }

    /** glibc {@code makedev(major, minor)}. */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0xfff) << 8) | ((ma & ~0xfffL) << 32) | (mi & 0xff) | ((mi & ~0xffL) << 12);
    }

    /** {@code lstat(path)}. */
    public FileStat lstat(byte[] path) throws IOException {
        MemorySegment st = SCRATCH.get().stat;
        call("lstat", path, (a, s) -> (int) Lstat.H.invokeExact(s, c(a, path), st));
        long nlink = X86_64 ? st.get(ValueLayout.JAVA_LONG, ST_NLINK)
                : Integer.toUnsignedLong(st.get(ValueLayout.JAVA_INT, ST_NLINK));
        return new FileStat(st.get(ValueLayout.JAVA_LONG, 0), st.get(ValueLayout.JAVA_LONG, 8),
                st.get(ValueLayout.JAVA_INT, ST_MODE), nlink, st.get(ValueLayout.JAVA_INT, ST_UID),
                st.get(ValueLayout.JAVA_INT, ST_GID), st.get(ValueLayout.JAVA_LONG, ST_RDEV),
                st.get(ValueLayout.JAVA_LONG, 48), st.get(ValueLayout.JAVA_LONG, 64),
                st.get(ValueLayout.JAVA_LONG, 72), st.get(ValueLayout.JAVA_LONG, 80),
                st.get(ValueLayout.JAVA_LONG, 88), st.get(ValueLayout.JAVA_LONG, 96));
    }

    /** {@code lstat(path)} for a path volport chose. */
    public FileStat lstat(Path path) throws IOException {
        return lstat(bytes(path));
    }

    /** {@code lchown(path, uid, gid)}; ids are unsigned 32-bit. Clears setuid/setgid and file capabilities. */
    public void lchown(byte[] path, int uid, int gid) throws IOException {
        call("lchown", path, (a, s) -> (int) Lchown.H.invokeExact(s, c(a, path), uid, gid));
    }

    /** {@code chmod(path, mode & 07777)}, setuid/setgid/sticky included; {@code path} must not be a symlink. */
    public void chmod(byte[] path, int mode) throws IOException {
        call("chmod", path, (a, s) -> (int) Fchmodat.H.invokeExact(s, AT_FDCWD, c(a, path), mode & 07777, 0));
    }

    /** {@code mknod(path, type | perm, makedev(major, minor))} for {@link #S_IFCHR}, {@link #S_IFBLK}, {@link #S_IFIFO}. */
    public void mknod(byte[] path, int typeAndMode, int major, int minor) throws IOException {
        long dev = makedev(major, minor);
        call("mknod", path, (a, s) -> (int) Mknod.H.invokeExact(s, c(a, path), typeAndMode, dev));
    }

    /** {@code mkdir(path, mode)}; fails with {@link #EEXIST} if anything exists there. */
    public void mkdir(byte[] path, int mode) throws IOException {
        call("mkdir", path, (a, s) -> (int) Mkdir.H.invokeExact(s, c(a, path), mode));
    }

    /** {@code symlink(target, path)}: the target is stored as given and never resolved. */
    public void symlink(byte[] target, byte[] path) throws IOException {
        call("symlink", path, (a, s) -> (int) Symlink.H.invokeExact(s, c(a, target), c(a, path)));
    }

    /** {@code link(existing, path)}: on Linux, a symlink {@code existing} is linked itself, not followed. */
    public void link(byte[] existing, byte[] path) throws IOException {
        call("link", path, (a, s) -> (int) Link.H.invokeExact(s, c(a, existing), c(a, path)));
    }

    /** The target of symlink {@code path}, at most {@code max} bytes (longer targets are an error). */
    public byte[] readlink(byte[] path, int max) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(max + 1L);
            long n = call("readlink", path, (a, s) -> (long) Readlink.H.invokeExact(s, c(a, path), buf, max + 1L));
            if (n > max) {
                throw new IOException("readlink " + show(path) + ": target longer than " + max + " bytes");
            }
            return buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * Sets access and modification times of {@code path} itself ({@code utimensat} with
     * {@code AT_SYMLINK_NOFOLLOW}); nanoseconds in {@code [0, 1e9)}.
     */
    public void setTimes(byte[] path, long atimeSec, long atimeNsec, long mtimeSec, long mtimeNsec)
            throws IOException {
        call("utimensat", path, (a, s) -> {
            MemorySegment ts = a.allocate(32, 8);
            ts.set(ValueLayout.JAVA_LONG, 0, atimeSec);
            ts.set(ValueLayout.JAVA_LONG, 8, atimeNsec);
            ts.set(ValueLayout.JAVA_LONG, 16, mtimeSec);
            ts.set(ValueLayout.JAVA_LONG, 24, mtimeNsec);
            return (int) Utimensat.H.invokeExact(s, AT_FDCWD, c(a, path), ts, AT_SYMLINK_NOFOLLOW);
        });
    }

    /** {@code lsetxattr(path, name, value, 0)}: creates or replaces. */
    public void setXattr(byte[] path, String name, byte[] value) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        call("lsetxattr " + name + " on", path, (a, s) -> {
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, ValueLayout.JAVA_BYTE, 0, value.length);
            return (int) Lsetxattr.H.invokeExact(s, c(a, path), c(a, n), v, (long) value.length, 0);
        });
    }

    /** The value of extended attribute {@code name} of {@code path} itself, or null if it has none. */
    public byte[] getXattr(byte[] path, String name) throws IOException {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment big = SCRATCH.get().big;
        // One call: no value is larger than the buffer (XATTR_SIZE_MAX); ERANGE would mean a larger limit.
        long got = tryCall((a, s) -> (long) Lgetxattr.H.invokeExact(s, c(a, path), c(a, n), big, big.byteSize()));
        if (got == -ENODATA) {
            return null;
        }
        if (got >= 0) {
            return big.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE);
        }
        for (int attempt = 0; ; attempt++) {
            try (Arena arena = Arena.ofConfined()) {
                long size = call("lgetxattr " + name + " of", path,
                        (a, s) -> (long) Lgetxattr.H.invokeExact(s, c(a, path), c(a, n), MemorySegment.NULL, 0L));
                MemorySegment buf = arena.allocate(Math.max(1, size));
                long len = call("lgetxattr " + name + " of", path,
                        (a, s) -> (long) Lgetxattr.H.invokeExact(s, c(a, path), c(a, n), buf, size));
                return buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE);
            } catch (LinuxCalls.SyscallException e) {
                if (e.errno() == ENODATA) {
                    return null;
                }
                if (e.errno() != 34 || attempt > 3) { // ERANGE: the value grew between the two calls
                    throw e;
                }
            }
        }
    }

    /** The names of the extended attributes of {@code path} itself (all namespaces the caller may see). */
    public List<String> listXattrs(byte[] path) throws IOException {
        MemorySegment big = SCRATCH.get().big;
        // One call: no list is longer than the buffer (XATTR_LIST_MAX); ERANGE would mean a larger limit.
        long got = tryCall((a, s) -> (long) Llistxattr.H.invokeExact(s, c(a, path), big, big.byteSize()));
        if (got == -EOPNOTSUPP || got == 0) {
            return List.of();
        }
        if (got > 0) {
            return names(big.asSlice(0, got).toArray(ValueLayout.JAVA_BYTE));
        }
        for (int attempt = 0; ; attempt++) {
            try (Arena arena = Arena.ofConfined()) {
                long size = call("llistxattr", path,
                        (a, s) -> (long) Llistxattr.H.invokeExact(s, c(a, path), MemorySegment.NULL, 0L));
                MemorySegment buf = arena.allocate(Math.max(1, size));
                long len = call("llistxattr", path,
                        (a, s) -> (long) Llistxattr.H.invokeExact(s, c(a, path), buf, size));
                return names(buf.asSlice(0, len).toArray(ValueLayout.JAVA_BYTE));
            } catch (LinuxCalls.SyscallException e) {
                if (e.errno() == EOPNOTSUPP) {
                    return List.of();
                }
                if (e.errno() != 34 || attempt > 3) {
                    throw e;
                }
            }
        }
    }

    /** The NUL-terminated names of an {@code llistxattr} result. */
    private static List<String> names(byte[] all) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                names.add(new String(all, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return names;
    }

    /**
     * The names in directory {@code dir} except {@code .} and {@code ..}, in the order the kernel returns them.
     * Opens {@code dir} with {@code O_NOFOLLOW}, so a symlink is refused.
     */
    public List<byte[]> list(byte[] dir) throws IOException {
        List<byte[]> names = new ArrayList<>();
        try (Fd fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
                Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(32768, 8);
            while (true) {
                long n = call("getdents64", dir, (a, s) -> (long) Getdents64.H.invokeExact(s, fd.fd, buf, 32768L));
                if (n == 0) {
                    return names;
                }
                for (long off = 0; off < n; ) {
                    int reclen = Short.toUnsignedInt(buf.get(ValueLayout.JAVA_SHORT, off + 16));
                    byte[] name = buf.asSlice(off + 19, reclen - 19).getString(0, StandardCharsets.ISO_8859_1)
                            .getBytes(StandardCharsets.ISO_8859_1);
                    if (!(name.length == 1 && name[0] == '.') && !(name.length == 2 && name[0] == '.' && name[1] == '.')) {
                        names.add(name);
                    }
                    off += reclen;
                }
            }
        }
    }

    /** {@code open(path, flags, mode)}; the descriptor is closed with the returned handle. */
    public Fd open(byte[] path, int flags, int mode) throws IOException {
        int fd = (int) call("open", path, (a, s) -> (int) Open.H.invokeExact(s, c(a, path), flags, mode));
        return new Fd(path, fd);
    }

    /** An open file descriptor; all offsets are explicit, so the descriptor has no position to share. */
    public static final class Fd implements AutoCloseable {
        private final byte[] path;
        private final int fd;
        private boolean closed;

        private Fd(byte[] path, int fd) {
            this.path = path;
            this.fd = fd;
        }

        /**
         * A read-only {@link FileChannel} on the same file, for {@link FileChannel#transferTo} ({@code sendfile}):
         * opened through {@code /proc/self/fd}, so it is this very inode whatever its name, and independent of
         * this descriptor (close both).
         */
        public FileChannel channel() throws IOException {
            return FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ);
        }

        /** Reads up to {@code dst.remaining()} bytes at {@code offset} into a direct buffer; 0 at end of file. */
        public int pread(ByteBuffer dst, long offset) throws IOException {
            MemorySegment seg = MemorySegment.ofBuffer(dst);
            long n = call("pread", path, (a, s) -> (long) Pread.H.invokeExact(s, fd, seg, (long) dst.remaining(),
                    offset));
            dst.position(dst.position() + (int) n);
            return (int) n;
        }

        /** Writes all of {@code src} (a direct buffer) at {@code offset}. */
        public void pwriteFully(ByteBuffer src, long offset) throws IOException {
            long pos = offset;
            while (src.hasRemaining()) {
                MemorySegment seg = MemorySegment.ofBuffer(src);
                long at = pos;
                long n = call("pwrite", path, (a, s) -> (long) Pwrite.H.invokeExact(s, fd, seg,
                        (long) src.remaining(), at));
                src.position(src.position() + (int) n);
                pos += n;
            }
        }

        /**
         * Starts writing {@code [offset, offset + length)} to disk and returns without waiting
         * ({@code sync_file_range} with {@code SYNC_FILE_RANGE_WRITE}), so a later {@code syncfs} has less to do.
         */
        public void startWriteback(long offset, long length) throws IOException {
            call("sync_file_range", path, (a, s) -> (int) SyncFileRange.H.invokeExact(s, fd, offset, length,
                    SYNC_FILE_RANGE_WRITE));
        }

        /** {@code ftruncate(fd, length)}. */
        public void truncate(long length) throws IOException {
            call("ftruncate", path, (a, s) -> (int) Ftruncate.H.invokeExact(s, fd, length));
        }

        /** The first offset at or after {@code pos} that holds data, or -1 when only a hole follows. */
        public long nextData(long pos) throws IOException {
            return seek(pos, SEEK_DATA);
        }

        /**
         * Tells the kernel that bytes {@code [offset, offset + length)} will be read soon ({@code posix_fadvise}
         * with {@code POSIX_FADV_WILLNEED}): it starts reading them into the page cache now. Only advice: a
         * refusal is ignored.
         */
        public void willNeed(long offset, long length) {
            // posix_fadvise returns its error number instead of setting errno; advice only, so it is not looked at
            tryCall((a, s) -> (int) Fadvise.H.invokeExact(s, fd, offset, length, POSIX_FADV_WILLNEED));
        }

        /** The first offset at or after {@code pos} that is a hole (the end of the file counts as one). */
        public long nextHole(long pos) throws IOException {
            return seek(pos, SEEK_HOLE);
        }

        private long seek(long pos, int whence) throws IOException {
            // ENXIO (no data after pos) is an answer, not a failure: no exception, and no strerror, whose binding
            // would cost a generated class in every export of a file that ends in a hole
            long rc = tryCall((a, s) -> (long) Lseek.H.invokeExact(s, fd, pos, whence));
            if (rc == -ENXIO) {
                return -1;
            }
            if (rc < 0) {
                throw new LinuxCalls.SyscallException("lseek " + show(path) + ": "
                        + LinuxCalls.strerror((int) -rc), (int) -rc);
            }
            return rc;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                call("close", path, (a, s) -> (int) Close.H.invokeExact(s, fd));
            }
        }
    }
}
