package dev.volport.format.tar;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import dev.volport.os.FileMetadataCalls;
import dev.volport.os.FileMetadataCalls.FileStat;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * Extracts a {@code tar+size} payload (after its 8-byte header) into an empty directory, restoring what GNU tar
 * restores as root with {@code -p --sparse --numeric-owner --acls --xattrs --xattrs-include=user.*
 * --xattrs-include=security.capability}: numeric ownership, modes with setuid/setgid/sticky, devices and FIFOs,
 * symlinks, hard links, sparse files (with holes), {@code user.*} and {@code security.capability} attributes,
 * access and default ACLs, and modification (nanoseconds) and access times.
 *
 * <p>Confinement: names are relative; absolute names, {@code ..} components and NUL bytes are refused. Every
 * member is created new ({@code O_EXCL}, {@code mkdir}, {@code mknod}, {@code symlink}, {@code link} fail on an
 * existing name), so a repeated or type-changing member is refused instead of replacing anything. The directories
 * above a member are checked with {@code lstat} to be real directories, so nothing is ever created below a
 * symlink, and no call follows a symlink in its last component. A member's parent must be in the archive before
 * it (GNU tar writes directories first). Hard links must name an earlier non-directory member. Symlink targets
 * are stored as data and never resolved. This relies on no other process changing the target while it runs: the
 * caller passes its own fresh staging directory.
 *
 * <p>Order of restoring, chosen so that no step undoes an earlier one: data, {@code lchown} (which clears
 * setuid/setgid and capabilities), {@code chmod}, access ACL, attributes, times. A directory's default ACL and
 * times are set after its contents (so the default ACL is not inherited by members that carry their own ACLs);
 * this assumes depth-first order, as GNU tar writes; in another order, directory times may end up later.
 *
 * <p>Memory is bounded by {@link TarLimits}: the stream is read member by member, and only the directories
 * from the root to the current member are remembered.
 */
public final class TarImporter {
    private static final int BUFFER = 1 << 20;
    private static final long UTIME_NOW = (1L << 30) - 1;
    /** Bytes of data from which a file's writeback starts as soon as it is complete (smaller: at syncfs). */
    static final long WRITEBACK_STEP = 32L << 20;
    private static final String ACL_ACCESS = "system.posix_acl_access";
    private static final String ACL_DEFAULT = "system.posix_acl_default";
    private final FileMetadataCalls fs;

    public TarImporter() {
        this(new FileMetadataCalls());
    }

    public TarImporter(FileMetadataCalls fs) {
        this.fs = fs;
    }

    /**
     * Extracts the tar stream {@code in} (read to its end) into {@code targetDir}, which must exist, be a directory
     * (not a symlink) and be empty. Needs root (or the capabilities for chown, mknod and security xattrs).
     * {@code progress} gets {@link Progress#advance} calls only (stream bytes): the caller starts and finishes it,
     * under the volume's name rather than the staging directory's.
     *
     * @throws FormatException if the stream is malformed, truncated, unconfined or beyond {@code limits}; the
     *                         message names the member and the stream offset. The target is left as it is:
     *                         the caller removes it.
     * @throws IOException     if a system call fails (named with the member)
     */
    public void extract(ReadableByteChannel in, Path targetDir, TarLimits limits, Progress progress)
            throws IOException {
        byte[] root = FileMetadataCalls.bytes(targetDir.toAbsolutePath().normalize());
        FileStat st = fs.lstat(root);
        if (!st.isDirectory()) {
            throw new IOException("tar import target " + targetDir + " is not a directory");
        }
        if (!fs.list(root).isEmpty()) {
            throw new IOException("tar import target " + targetDir + " is not empty");
        }
        try (Arena arena = Arena.ofConfined()) {
            new Extraction(root, new TarReader(in, limits, progress), limits,
                    arena.allocate(BUFFER, 4096).asByteBuffer()).run();
        }
    }

    /** A directory whose default ACL and times wait until its contents are extracted. */
    private record Pending(byte[] rel, byte[] path, TarEntry entry) {
    }

    /** The state of one extraction. */
    private final class Extraction {
        private final byte[] root;
        private final TarReader reader;
        private final TarLimits limits;
        private final ByteBuffer buf;
        private final PosixAcl acls = new PosixAcl();
        private final Deque<Pending> dirs = new ArrayDeque<>();
        private byte[] checkedParent = new byte[0];
        private boolean rootSeen;
        private long total;

        Extraction(byte[] root, TarReader reader, TarLimits limits, ByteBuffer buf) {
            this.root = root;
            this.reader = reader;
            this.limits = limits;
            this.buf = buf;
        }

        void run() throws IOException {
            dirs.push(new Pending(new byte[0], root, null));
            TarEntry e;
            while ((e = reader.next()) != null) {
                try {
                    member(e);
                } catch (LinuxCalls.SyscallException x) {
                    throw new IOException("extracting member '" + e.displayName() + "' at offset " + e.offset()
                            + ": " + x.getMessage(), x);
                }
            }
            while (!dirs.isEmpty()) {
                finish(dirs.pop());
            }
        }

        private void member(TarEntry e) throws IOException {
            List<byte[]> parts = components(e.name(), e);
            if ((e.mode() & 07000) != 0 && !limits.allowSetidBits()) {
                throw error(e, "setuid, setgid or sticky bit in mode " + Integer.toOctalString(e.mode())
                        + " (not allowed)");
            }
            byte[] rel = join(parts, parts.size());
            while (!isAncestor(dirs.peek().rel(), rel)) {
                finish(dirs.pop());
            }
            if (parts.isEmpty()) {
                if (e.kind() != TarEntry.Kind.DIRECTORY || rootSeen) {
                    throw error(e, rootSeen ? "the root directory appears twice" : "the root is not a directory");
                }
                rootSeen = true;
                dirs.pop();
                dirs.push(new Pending(rel, root, e));
                metadata(root, e);
                return;
            }
            byte[] parent = join(parts, parts.size() - 1);
            checkParents(parent, e);
            byte[] path = absolute(rel);
            switch (e.kind()) {
                case DIRECTORY -> {
                    create(e, () -> fs.mkdir(path, 0700));
                    dirs.push(new Pending(rel, path, e));
                }
                case FILE -> {
                    total += e.realSize(); // both terms are at most 2^63 - 1, so overflow shows as negative
                    if (total < 0 || total > limits.maxTotalBytes()) {
                        throw error(e, "files add up to more than the limit of " + limits.maxTotalBytes() + " bytes");
                    }
                    writeFile(path, e);
                }
                case SYMLINK -> create(e, () -> fs.symlink(e.linkName(), path));
                case HARDLINK -> {
                    List<byte[]> target = components(e.linkName(), e);
                    if (target.isEmpty()) {
                        throw error(e, "hard link to the root directory");
                    }
                    byte[] targetRel = join(target, target.size());
                    checkParents(join(target, target.size() - 1), e);
                    byte[] targetPath = absolute(targetRel);
                    FileStat ts = lstatInside(targetPath, e, "hard link target");
                    if (ts.isDirectory()) {
                        throw error(e, "hard link to a directory");
                    }
                    create(e, () -> fs.link(targetPath, path));
                    return; // a link shares its target's inode and metadata
                }
                case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> {
                    if (!limits.allowSpecialFiles()) {
                        throw error(e, "device or FIFO member (not allowed)");
                    }
                    int type = switch (e.kind()) {
                        case CHAR_DEVICE -> FileMetadataCalls.S_IFCHR;
                        case BLOCK_DEVICE -> FileMetadataCalls.S_IFBLK;
                        default -> FileMetadataCalls.S_IFIFO;
                    };
                    create(e, () -> fs.mknod(path, type | 0600, e.devMajor(), e.devMinor()));
                }
            }
            metadata(path, e);
            if (e.kind() != TarEntry.Kind.DIRECTORY) {
                times(path, e);
            }
        }

        private void writeFile(byte[] path, TarEntry e) throws IOException {
            try (FileMetadataCalls.Fd fd = open(path, e)) {
                long[] map = e.sparse();
                if (map == null) {
                    long pos = 0;
                    while (true) {
                        buf.clear();
                        if (reader.read(buf) < 0) {
                            break;
                        }
                        buf.flip();
                        int n = buf.remaining();
                        fd.pwriteFully(buf, pos);
                        pos += n;
                    }
                } else {
                    for (int i = 0; i < map.length; i += 2) {
                        long pos = map[i];
                        long left = map[i + 1];
                        while (left > 0) {
                            buf.clear().limit((int) Math.min(buf.capacity(), left));
                            int n = reader.read(buf);
                            buf.flip();
                            fd.pwriteFully(buf, pos);
                                pos += n;
                            left -= n;
                        }
                    }
                    fd.truncate(e.realSize()); // the holes: never written, so never allocated
                }
                if (e.size() >= WRITEBACK_STEP) {
                    // A large file starts its writeback as soon as it is complete, so the disk works while the next
                    // members are extracted and the final syncfs has less to wait for (GNU tar leaves it all to the
                    // flush). One request for the whole file, not one per piece: ext4 then allocates it in one go.
                    fd.startWriteback(0, 0); // 0 bytes: to the end of the file
                }
            }
        }

        private FileMetadataCalls.Fd open(byte[] path, TarEntry e) throws IOException {
            try {
                return fs.open(path, FileMetadataCalls.O_WRONLY | FileMetadataCalls.O_CREAT | FileMetadataCalls.O_EXCL
                        | FileMetadataCalls.O_NOFOLLOW | FileMetadataCalls.O_CLOEXEC, 0600);
            } catch (LinuxCalls.SyscallException x) {
                throw x.errno() == FileMetadataCalls.EEXIST ? error(e, "the name exists already (repeated member)") : x;
            }
        }

        /** Ownership, mode, access ACL and attributes, in this order (each later step survives the next). */
        private void metadata(byte[] path, TarEntry e) throws IOException {
            fs.lchown(path, (int) e.uid(), (int) e.gid());
            if (e.kind() == TarEntry.Kind.SYMLINK) {
                return; // no mode; GNU tar stores no xattrs for symlinks and Linux refuses user.* on them
            }
            fs.chmod(path, e.mode());
            if (e.aclAccess() != null) {
                fs.setXattr(path, ACL_ACCESS, acls.toXattr(e.aclAccess(), where(e)));
            }
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                if (x.getKey().startsWith("user.") || x.getKey().equals("security.capability")) {
                    fs.setXattr(path, x.getKey(), x.getValue());
                } // other namespaces are outside --xattrs-include and are not restored, as with GNU tar
            }
        }

        private void finish(Pending d) throws IOException {
            TarEntry e = d.entry();
            if (e == null) {
                return; // the root without a "./" member keeps the caller's metadata
            }
            try {
                if (e.aclDefault() != null) {
                    fs.setXattr(d.path(), ACL_DEFAULT, acls.toXattr(e.aclDefault(), where(e)));
                }
                times(d.path(), e);
            } catch (LinuxCalls.SyscallException x) {
                throw new IOException("finishing directory '" + e.displayName() + "': " + x.getMessage(), x);
            }
        }

        private void times(byte[] path, TarEntry e) throws IOException {
            boolean atime = e.atimeSec() != Long.MIN_VALUE;
            fs.setTimes(path, atime ? e.atimeSec() : 0, atime ? e.atimeNsec() : UTIME_NOW, e.mtimeSec(),
                    e.mtimeNsec());
        }

        /** Every directory from the root down to {@code parent} exists and is a real directory (not a symlink). */
        private void checkParents(byte[] parent, TarEntry e) throws IOException {
            if (Arrays.equals(parent, checkedParent)) {
                return;
            }
            for (int i = 0; i <= parent.length; i++) {
                if (i == parent.length || parent[i] == '/') {
                    FileStat s = lstatInside(absolute(Arrays.copyOf(parent, i)), e, "parent directory");
                    if (!s.isDirectory()) {
                        throw error(e, "a parent is not a directory (symlink or file): "
                                + FileMetadataCalls.show(Arrays.copyOf(parent, i)));
                    }
                }
            }
            checkedParent = parent;
        }

        private FileStat lstatInside(byte[] path, TarEntry e, String what) throws IOException {
            try {
                return fs.lstat(path);
            } catch (LinuxCalls.SyscallException x) {
                if (x.errno() == FileMetadataCalls.ENOENT) {
                    throw error(e, what + " is not in the archive before this member");
                }
                throw x;
            }
        }

        private void create(TarEntry e, Creation c) throws IOException {
            try {
                c.run();
            } catch (LinuxCalls.SyscallException x) {
                throw x.errno() == FileMetadataCalls.EEXIST ? error(e, "the name exists already (repeated member)") : x;
            }
        }

        /** The name's components without {@code .} and empty ones; refuses absolute names and {@code ..}. */
        private List<byte[]> components(byte[] name, TarEntry e) throws FormatException {
            if (name.length == 0) {
                throw error(e, "empty name");
            }
            if (name[0] == '/') {
                throw error(e, "absolute name or link target '" + FileMetadataCalls.show(name) + "'");
            }
            List<byte[]> parts = new ArrayList<>();
            int start = 0;
            for (int i = 0; i <= name.length; i++) {
                if (i == name.length || name[i] == '/') {
                    int len = i - start;
                    boolean dot = len == 1 && name[start] == '.';
                    if (len == 2 && name[start] == '.' && name[start + 1] == '.') {
                        throw error(e, "'..' in '" + FileMetadataCalls.show(name) + "'");
                    }
                    if (len > limits.maxNameBytes()) {
                        throw error(e, "a name component of " + len + " bytes exceeds the limit of "
                                + limits.maxNameBytes());
                    }
                    if (len > 0 && !dot) {
                        parts.add(Arrays.copyOfRange(name, start, i));
                    }
                    start = i + 1;
                }
            }
            if (parts.size() > limits.maxDepth()) {
                throw error(e, "nesting depth " + parts.size() + " exceeds the limit of " + limits.maxDepth());
            }
            return parts;
        }

        private byte[] absolute(byte[] rel) {
            if (rel.length == 0) {
                return root;
            }
            byte[] p = Arrays.copyOf(root, root.length + 1 + rel.length);
            p[root.length] = '/';
            System.arraycopy(rel, 0, p, root.length + 1, rel.length);
            return p;
        }

        private FormatException error(TarEntry e, String what) {
            return new FormatException(where(e) + ": " + what);
        }

        private String where(TarEntry e) {
            return "tar member '" + e.displayName() + "' at offset " + e.offset();
        }
    }

    @FunctionalInterface
    private interface Creation {
        void run() throws IOException;
    }

    private static byte[] join(List<byte[]> parts, int n) {
        int len = Math.max(0, n - 1);
        for (int i = 0; i < n; i++) {
            len += parts.get(i).length;
        }
        byte[] out = new byte[len];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                out[pos++] = '/';
            }
            byte[] p = parts.get(i);
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    private static boolean isAncestor(byte[] dir, byte[] rel) {
        if (dir.length == 0) {
            return true;
        }
        return rel.length > dir.length && rel[dir.length] == '/' && Arrays.equals(dir, 0, dir.length, rel, 0,
                dir.length);
    }
}
