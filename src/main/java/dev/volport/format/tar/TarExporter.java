package dev.volport.format.tar;

import dev.volport.io.Progress;
import dev.volport.os.FileMetadataCalls;
import dev.volport.os.FileMetadataCalls.FileStat;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the tar stream of a {@code tar+size} export (the caller writes the 8-byte size header first): the inner
 * contents of a directory as {@code ./...} members, the way GNU tar 1.34 writes them with {@code
 * --one-file-system -p --sparse --numeric-owner --acls --xattrs --xattrs-include=user.*
 * --xattrs-include=security.capability -cf - -C DIR .}:
 *
 * <ul>
 *   <li>POSIX ustar headers, each preceded by a pax header ({@code ./PaxHeaders/NAME}) holding {@code atime},
 *       {@code mtime} when it has nanoseconds, long names, large numbers, {@code SCHILY.acl.access},
 *       {@code SCHILY.acl.default} and {@code SCHILY.xattr.user.*} / {@code SCHILY.xattr.security.capability};
 *       empty uname/gname, numeric ids;</li>
 *   <li>sparse files (fewer blocks allocated than the size needs) as GNU sparse 1.0, holes found with
 *       {@code SEEK_DATA}/{@code SEEK_HOLE};</li>
 *   <li>the second and later names of a multiply-linked file as hard links to the first;</li>
 *   <li>mount points below the root as an empty directory (their contents are not crossed); sockets
 *       skipped;</li>
 *   <li>two zero blocks, padded to GNU tar's 10240-byte record.</li>
 * </ul>
 *
 * Differences from GNU tar's bytes: members are sorted by name (GNU tar uses directory order), {@code ctime} is
 * not stored (it cannot be restored), the sparse member's placeholder directory is {@code GNUSparseFile.0}
 * rather than the process id, and ACL qualifiers are numeric ids rather than names.
 */
public final class TarExporter {
    private static final int BLOCK = 512;
    private static final int RECORD = 10240;
    private static final int BUFFER = 1 << 20;
    /** Files this large go out with {@code sendfile}; smaller ones are gathered in the buffer. */
    static final long SENDFILE_MIN = 1 << 20;
    private static final long SENDFILE_CHUNK = 8L << 20;
    private static final String ACL_ACCESS = "system.posix_acl_access";
    private static final String ACL_DEFAULT = "system.posix_acl_default";
    private final FileMetadataCalls fs;

    public TarExporter() {
        this(new FileMetadataCalls());
    }

    public TarExporter(FileMetadataCalls fs) {
        this.fs = fs;
    }

    /**
     * Writes the tree below {@code dir} to {@code out}. The tree should not change meanwhile (export a snapshot
     * or a stopped container): a file that shrinks while read fails the export. {@code progress} gets
     * {@link Progress#advance} calls only: the caller starts and finishes it, under the volume's name.
     *
     * @throws IOException naming the file if a system call fails, a name is longer than
     *                     {@link TarOptions#maxPathBytes}, or more than {@link TarOptions#maxHardLinks} hard-linked
     *                     files are found
     */
    public void export(Path dir, WritableByteChannel out, TarOptions opts, Progress progress) throws IOException {
        byte[] root = FileMetadataCalls.bytes(dir.toAbsolutePath().normalize());
        FileStat st = fs.lstat(root);
        if (!st.isDirectory()) {
            throw new IOException("tar export source " + dir + " is not a directory");
        }
        try (Arena arena = Arena.ofConfined()) {
            Export ex = new Export(root, st.dev(), out, opts, progress, arena.allocate(BUFFER, 4096).asByteBuffer());
            ex.walk(new byte[0], root, st);
            ex.end();
        }
    }

    private record Inode(long dev, long ino) {
    }

    private final class Export {
        private final byte[] root;
        private final long rootDev;
        private final WritableByteChannel out;
        private final TarOptions opts;
        private final Progress progress;
        private final ByteBuffer buf;
        private final Map<Inode, byte[]> links = new HashMap<>();
        private long written;

        Export(byte[] root, long rootDev, WritableByteChannel out, TarOptions opts, Progress progress,
                ByteBuffer buf) {
            this.root = root;
            this.rootDev = rootDev;
            this.out = out;
            this.opts = opts;
            this.progress = progress;
            this.buf = buf;
        }

        void walk(byte[] rel, byte[] path, FileStat st) throws IOException {
            if (st.type() == FileMetadataCalls.S_IFSOCK) {
                return; // GNU tar: "socket ignored"
            }
            member(rel, path, st);
            if (!st.isDirectory() || (rel.length > 0 && st.dev() != rootDev)) {
                return; // --one-file-system: a mount point is written, its contents are not
            }
            List<byte[]> names = fs.list(path);
            names.sort(Arrays::compareUnsigned);
            for (byte[] n : names) {
                byte[] childRel = rel.length == 0 ? n : concat(rel, "/".getBytes(StandardCharsets.US_ASCII), n);
                byte[] childPath = concat(root, "/".getBytes(StandardCharsets.US_ASCII), childRel);
                walk(childRel, childPath, fs.lstat(childPath));
            }
        }

        private void member(byte[] rel, byte[] path, FileStat st) throws IOException {
            if (rel.length + 3 > opts.maxPathBytes()) {
                throw new IOException("tar export: name longer than " + opts.maxPathBytes() + " bytes: "
                        + FileMetadataCalls.show(path));
            }
            byte[] name = concat("./".getBytes(StandardCharsets.US_ASCII), rel,
                    st.isDirectory() && rel.length > 0 ? new byte[] {'/'} : new byte[0]);
            byte type;
            byte[] link = new byte[0];
            long size = 0;
            long[] sparse = null;
            switch (st.type()) {
                case FileMetadataCalls.S_IFDIR -> type = '5';
                case FileMetadataCalls.S_IFLNK -> {
                    type = '2';
                    link = fs.readlink(path, opts.maxPathBytes());
                }
                case FileMetadataCalls.S_IFCHR -> type = '3';
                case FileMetadataCalls.S_IFBLK -> type = '4';
                case FileMetadataCalls.S_IFIFO -> type = '6';
                default -> {
                    byte[] first = st.nlink() > 1 ? links.get(new Inode(st.dev(), st.ino())) : null;
                    if (first != null) {
                        type = '1';
                        link = first;
                    } else {
                        type = '0';
                        size = st.size();
                        if (st.nlink() > 1) {
                            if (links.size() >= opts.maxHardLinks()) {
                                throw new IOException("tar export: more than " + opts.maxHardLinks()
                                        + " hard-linked files (limit) at " + FileMetadataCalls.show(path));
                            }
                            links.put(new Inode(st.dev(), st.ino()), name);
                        }
                        if (st.blocks() < (st.size() + BLOCK - 1) / BLOCK) {
                            sparse = SparseScan.extents(fs, path, st.size());
                        }
                    }
                }
            }
            PaxRecords pax = PaxRecords.writer();
            byte[] headerName = name;
            long stored = size;
            byte[] mapText = null;
            if (sparse != null) {
                mapText = SparseScan.mapText(sparse);
                stored = mapText.length;
                for (int i = 1; i < sparse.length; i += 2) {
                    stored += sparse[i];
                }
                pax.add("GNU.sparse.major", "1").add("GNU.sparse.minor", "0").add("GNU.sparse.name", name)
                        .add("GNU.sparse.realsize", Long.toString(size));
                headerName = sibling(name, "GNUSparseFile.0/");
            }
            if (headerName.length > TarHeader.NAME_LEN) {
                pax.add("path", headerName);
            }
            if (link.length > TarHeader.NAME_LEN) {
                pax.add("linkpath", link);
            }
            if (stored > TarHeader.maxOctal(12)) {
                pax.add("size", Long.toString(stored));
            }
            long uid = Integer.toUnsignedLong(st.uid());
            long gid = Integer.toUnsignedLong(st.gid());
            if (uid > TarHeader.maxOctal(8)) {
                pax.add("uid", Long.toString(uid));
            }
            if (gid > TarHeader.maxOctal(8)) {
                pax.add("gid", Long.toString(gid));
            }
            if (st.mtimeNsec() != 0 || st.mtimeSec() < 0 || st.mtimeSec() > TarHeader.maxOctal(12)) {
                pax.add("mtime", time(st.mtimeSec(), st.mtimeNsec()));
            }
            pax.add("atime", time(st.atimeSec(), st.atimeNsec()));
            if (type != '2' && type != '1') {
                // One llistxattr per member; the ACLs are read only when listed (Linux lists a set ACL as
                // system.posix_acl_access / system.posix_acl_default), most files having neither.
                List<String> names = fs.listXattrs(path);
                byte[] acl = names.contains(ACL_ACCESS) ? fs.getXattr(path, ACL_ACCESS) : null;
                if (acl != null) {
                    pax.add("SCHILY.acl.access", PosixAcl.toText(acl, FileMetadataCalls.show(path)));
                }
                byte[] def = type == '5' && names.contains(ACL_DEFAULT) ? fs.getXattr(path, ACL_DEFAULT) : null;
                if (def != null) {
                    pax.add("SCHILY.acl.default", PosixAcl.toText(def, FileMetadataCalls.show(path)));
                }
                for (String x : names) {
                    if (x.startsWith("user.") || x.equals("security.capability")) {
                        byte[] v = fs.getXattr(path, x);
                        if (v != null) {
                            pax.add("SCHILY.xattr." + x, v);
                        }
                    }
                }
            }
            if (st.rdevMajor() > TarHeader.maxOctal(8) || st.rdevMinor() > TarHeader.maxOctal(8)) {
                throw new IOException("tar export: device number " + st.rdevMajor() + ":" + st.rdevMinor()
                        + " does not fit a ustar header: " + FileMetadataCalls.show(path));
            }
            byte[] data = pax.toBytes();
            put(TarHeader.format(sibling(name, "PaxHeaders/"), 0644, 0, 0, data.length, st.mtimeSec(), (byte) 'x',
                    new byte[0], 0, 0, false));
            put(data);
            pad();
            boolean dev = type == '3' || type == '4';
            put(TarHeader.format(headerName, st.permissions(), uid, gid, stored, st.mtimeSec(), type, link,
                    dev ? st.rdevMajor() : 0, dev ? st.rdevMinor() : 0, true));
            if (type == '0') {
                if (sparse == null) {
                    copy(path, new long[] {0, size});
                } else {
                    put(mapText);
                    copy(path, sparse);
                }
                pad();
            }
        }

        /**
         * Copies the extents ({@code offset, length} pairs) of {@code path} into the stream: small files through
         * the stream buffer (one write for many of them), files of {@link #SENDFILE_MIN} bytes or more with
         * {@code sendfile}, so their bytes never pass through user space.
         */
        private void copy(byte[] path, long[] extents) throws IOException {
            try (FileMetadataCalls.Fd fd = fs.open(path, FileMetadataCalls.O_RDONLY | FileMetadataCalls.O_NOFOLLOW
                    | FileMetadataCalls.O_CLOEXEC, 0)) {
                long total = 0;
                for (int i = 1; i < extents.length; i += 2) {
                    total += extents[i];
                }
                if (total >= SENDFILE_MIN && send(path, fd, extents)) {
                    return;
                }
                for (int i = 0; i < extents.length; i += 2) {
                    long pos = extents[i];
                    long left = extents[i + 1];
                    while (left > 0) {
                        if (!buf.hasRemaining()) {
                            flush();
                        }
                        int limit = buf.limit();
                        buf.limit(buf.position() + (int) Math.min(buf.remaining(), left));
                        int n;
                        try {
                            n = fd.pread(buf, pos);
                        } finally {
                            buf.limit(limit);
                        }
                        if (n == 0) {
                            throw new IOException("tar export: " + FileMetadataCalls.show(path) + " shrank while "
                                    + "being read (at byte " + pos + ")");
                        }
                        pos += n;
                        left -= n;
                        written += n;
                    }
                }
            }
        }

        /**
         * The extents of an open file through {@code sendfile}, after what the buffer holds; false (nothing sent)
         * when no channel can be had on the file ({@code /proc} not mounted).
         */
        private boolean send(byte[] path, FileMetadataCalls.Fd fd, long[] extents) throws IOException {
            FileChannel channel;
            try {
                channel = fd.channel();
            } catch (IOException e) {
                return false;
            }
            flush();
            try (FileChannel file = channel) {
                for (int i = 0; i < extents.length; i += 2) {
                    long pos = extents[i];
                    long end = pos + extents[i + 1];
                    while (pos < end) {
                        long n = file.transferTo(pos, Math.min(SENDFILE_CHUNK, end - pos), out);
                        if (n <= 0) {
                            throw new IOException("tar export: " + FileMetadataCalls.show(path) + " shrank while "
                                    + "being read (at byte " + pos + ")");
                        }
                        pos += n;
                        written += n;
                        progress.advance(n);
                    }
                }
            }
            return true;
        }

        void end() throws IOException {
            put(new byte[2 * BLOCK]);
            long rest = (RECORD - written % RECORD) % RECORD;
            put(new byte[(int) rest]);
            flush();
        }

        private void put(byte[] b) throws IOException {
            int off = 0;
            while (off < b.length) {
                if (!buf.hasRemaining()) {
                    flush();
                }
                int n = Math.min(buf.remaining(), b.length - off);
                buf.put(b, off, n);
                off += n;
            }
            written += b.length;
        }

        private void pad() throws IOException {
            int rest = (int) ((BLOCK - written % BLOCK) % BLOCK);
            if (rest > 0) {
                put(new byte[rest]);
            }
        }

        private void flush() throws IOException {
            buf.flip();
            long n = buf.remaining();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            buf.clear();
            progress.advance(n);
        }
    }

    /** {@code dir/INSERTbase} for {@code dir/base} (a trailing slash dropped), as GNU tar names helper members. */
    private static byte[] sibling(byte[] name, String insert) {
        int end = name.length;
        if (end > 2 && name[end - 1] == '/') {
            end--;
        }
        int slash = end - 1;
        while (slash >= 0 && name[slash] != '/') {
            slash--;
        }
        byte[] base = end == 2 && name[0] == '.' ? new byte[] {'.'} : Arrays.copyOfRange(name, slash + 1, end);
        byte[] dir = end == 2 && name[0] == '.' ? new byte[] {'.'} : Arrays.copyOfRange(name, 0, slash);
        byte[] r = concat(dir, ("/" + insert).getBytes(StandardCharsets.US_ASCII), base);
        return r.length > TarHeader.NAME_LEN ? Arrays.copyOf(r, TarHeader.NAME_LEN) : r;
    }

    /** A pax time: seconds, then '.' and the nanoseconds without trailing zeros. */
    static String time(long sec, long nsec) {
        if (nsec == 0) {
            return Long.toString(sec);
        }
        long s = sec;
        long n = nsec;
        String sign = "";
        if (s < 0) { // -1.5 s is stored as sec = -2, nsec = 5e8
            sign = "-";
            s = -(s + 1);
            n = 1_000_000_000 - n;
        }
        StringBuilder sb = new StringBuilder(32).append(sign).append(s).append('.');
        String digits = Long.toString(n);
        sb.append("000000000", 0, 9 - digits.length()).append(digits);
        int end = sb.length();
        while (sb.charAt(end - 1) == '0') {
            end--; // nsec > 0, so a non-zero digit stops this
        }
        sb.setLength(end);
        return sb.toString();
    }

    private static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] r = new byte[len];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, r, pos, p.length);
            pos += p.length;
        }
        return r;
    }

    /** Finds the data extents of a sparse file and formats GNU sparse 1.0's map. */
    static final class SparseScan {
        private SparseScan() {
        }

        /** Data extents as {@code offset, length} pairs, plus GNU tar's {@code size, 0} when a hole ends it. */
        static long[] extents(FileMetadataCalls fs, byte[] path, long size) throws IOException {
            List<Long> ext = new ArrayList<>();
            int max = TarLimits.DEFAULTS.maxSparseExtents();
            try (FileMetadataCalls.Fd fd = fs.open(path, FileMetadataCalls.O_RDONLY | FileMetadataCalls.O_NOFOLLOW
                    | FileMetadataCalls.O_CLOEXEC, 0)) {
                long pos = 0;
                while (pos < size) {
                    long data = fd.nextData(pos);
                    if (data < 0 || data >= size) {
                        break;
                    }
                    long hole = Math.min(fd.nextHole(data), size);
                    if (ext.size() / 2 >= max - 1) {
                        throw new IOException("tar export: " + FileMetadataCalls.show(path) + " has more than "
                                + max + " data extents (limit)");
                    }
                    ext.add(data);
                    ext.add(hole - data);
                    pos = hole;
                }
            }
            if (ext.isEmpty() || ext.get(ext.size() - 2) + ext.get(ext.size() - 1) < size) {
                ext.add(size);
                ext.add(0L);
            }
            return ext.stream().mapToLong(Long::longValue).toArray();
        }

        /** {@code count\n} then {@code offset\nlength\n} per extent, NUL-padded to a block. */
        static byte[] mapText(long[] extents) {
            StringBuilder sb = new StringBuilder().append(extents.length / 2).append('\n');
            for (long v : extents) {
                sb.append(v).append('\n');
            }
            byte[] t = sb.toString().getBytes(StandardCharsets.US_ASCII);
            return Arrays.copyOf(t, (t.length + BLOCK - 1) / BLOCK * BLOCK);
        }
    }
}
