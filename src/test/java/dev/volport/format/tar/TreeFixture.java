package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Builds, as root, a small tree with every kind of member {@code tar+size} must carry, and dumps a tree's
 * metadata for comparison. Uses the real tools (mknod, mkfifo, setfacl, getfacl, setfattr, getfattr, setcap,
 * chown, touch, mount); a missing tool fails the test.
 */
public final class TreeFixture {
    static final String[] GNU_TAR_FLAGS = {"--one-file-system", "-p", "--sparse", "--numeric-owner", "--acls",
        "--xattrs", "--xattrs-include=user.*", "--xattrs-include=security.capability"};

    private TreeFixture() {
    }

    /** Runs a command, failing the test on a non-zero exit; returns stdout. */
    static String run(Path cwd, String... argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", argv), out).isZero();
        return out;
    }

    /** Builds the tree in {@code root} (which exists); a tmpfs is mounted on {@code root/mnt}. */
    public static void build(Path root) throws Exception {
        Path r = root;
        Files.writeString(r.resolve("plain"), "plain text\n");
        Files.write(r.resolve("empty"), new byte[0]);
        Files.writeString(r.resolve("acl-file"), "acl\n");
        run(r, "setfacl", "-m", "u:1234:rwx,g:4321:r", "acl-file");
        run(r, "setfattr", "-n", "user.comment", "-v", "hello world", "plain");
        run(r, "setfattr", "-n", "user.binary", "-v", "0x00ff10", "plain");
        Files.write(r.resolve("ping"), new byte[] {0x7f, 'E', 'L', 'F', 1, 2, 3});
        run(r, "setcap", "cap_net_raw+ep", "ping");
        Files.writeString(r.resolve("suid"), "#!/bin/sh\n");
        run(r, "chmod", "4755", "suid");
        Files.writeString(r.resolve("sgid"), "x");
        run(r, "chmod", "2711", "sgid");
        Files.writeString(r.resolve("nomode"), "x");
        run(r, "chmod", "000", "nomode");
        Files.writeString(r.resolve("owned"), "x");
        run(r, "chown", "100000:100001", "owned");
        Files.writeString(r.resolve("bigid"), "x");
        run(r, "chown", "4000000000:3000000", "bigid");
        sparse(r.resolve("sparse-holes"), 10 << 20, new long[] {0, 5 << 20});
        sparse(r.resolve("sparse-empty"), 1 << 20, new long[0]);
        sparse(r.resolve("sparse-tail"), 3 << 20, new long[] {(3 << 20) - 4096});
        // Over TarExporter.SENDFILE_MIN of data: these go out with sendfile, not through the stream buffer.
        byte[] big = new byte[(1 << 20) + 4099];
        new java.util.Random(7).nextBytes(big);
        Files.write(r.resolve("big"), big);
        try (RandomAccessFile raf = new RandomAccessFile(r.resolve("sparse-big").toFile(), "rw")) {
            raf.setLength(9 << 20);
            raf.seek(1 << 20);
            raf.write(big, 0, 700 << 10);
            raf.seek(6 << 20);
            raf.write(big, 4099, 700 << 10);
        }
        Files.writeString(r.resolve("linked"), "shared\n");
        Files.createDirectories(r.resolve("sub/deeper"));
        Files.createLink(r.resolve("sub/link2"), r.resolve("linked"));
        Files.createLink(r.resolve("sub/deeper/link3"), r.resolve("linked"));
        Files.createSymbolicLink(r.resolve("rel-link"), Path.of("plain"));
        Files.createSymbolicLink(r.resolve("abs-link"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(r.resolve("dangling"), Path.of("nowhere/at/all"));
        Files.createSymbolicLink(r.resolve("long-target"), Path.of("t".repeat(150)));
        run(r, "mknod", "null", "c", "1", "3");
        run(r, "mknod", "loop", "b", "7", "0");
        run(r, "mkfifo", "fifo");
        run(r, "chmod", "0620", "fifo");
        Path longDir = r.resolve("l".repeat(60)).resolve("m".repeat(60));
        Files.createDirectories(longDir);
        Files.writeString(longDir.resolve("n".repeat(70)), "long name\n");
        Files.createDirectories(r.resolve("acl-dir"));
        run(r, "setfacl", "-m", "g:2002:rx", "-d", "-m", "u:1001:rx,g:2002:r", "acl-dir");
        Files.writeString(r.resolve("acl-dir/inherits"), "inherited acl\n");
        Files.createDirectories(r.resolve("sticky"));
        run(r, "chmod", "1777", "sticky");
        Files.createDirectories(r.resolve("setgid-dir"));
        run(r, "chmod", "2775", "setgid-dir");
        run(r, "chown", "0:50", "setgid-dir");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(r.resolve("socket")));
        }
        Files.createDirectories(r.resolve("mnt"));
        run(r, "mount", "-t", "tmpfs", "-o", "size=1m,mode=0751", "tmpfs", "mnt");
        Files.writeString(r.resolve("mnt/inside"), "must not be crossed\n");
        run(r, "touch", "-h", "-d", "2020-01-02 03:04:05.123456789", "plain", "rel-link", "null", "fifo", "suid");
        run(r, "touch", "-h", "-d", "1960-06-01 12:00:00.5", "owned");
        run(r, "touch", "-d", "2001-02-03 04:05:06.000000700", "sub/deeper", "sub", "acl-dir", "sticky", ".");
    }

    private static void sparse(Path file, long size, long[] dataAt) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            for (long at : dataAt) {
                raf.seek(at);
                byte[] data = new byte[4096];
                java.util.Arrays.fill(data, (byte) ('a' + (at % 26)));
                raf.write(data);
            }
        }
    }

    /** Unmounts {@code root/mnt} if mounted. */
    public static void unmount(Path root) throws Exception {
        Path mnt = root.resolve("mnt");
        if (Files.isDirectory(mnt) && !Files.getFileStore(mnt).equals(Files.getFileStore(root))) {
            run(root, "umount", mnt.toString());
        }
    }

    /**
     * One line per path (sorted), not descending into other filesystems, sockets left out: type, mode, owner,
     * size, mtime in ns, link target, device numbers, content hash, hard-link group, allocated blocks of sparse
     * files, {@code user.*}/{@code security.capability} attributes and {@code getfacl -cpn}.
     */
    public static List<String> dump(Path root) throws Exception {
        Object rootDev = Files.getAttribute(root, "unix:dev", LinkOption.NOFOLLOW_LINKS);
        Map<String, String> lines = new TreeMap<>();
        Map<Object, String> firstByInode = new TreeMap<>();
        List<Path> all = new ArrayList<>();
        walk(root, root, rootDev, all);
        for (Path p : all) {
            String rel = root.relativize(p).toString();
            rel = rel.isEmpty() ? "." : rel;
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int type = mode & 0170000;
            StringBuilder sb = new StringBuilder(rel).append(" type=").append(Integer.toOctalString(type))
                    .append(" mode=").append(Integer.toOctalString(mode & 07777)).append(" uid=")
                    .append(Integer.toUnsignedString((Integer) a.get("uid"))).append(" gid=")
                    .append(Integer.toUnsignedString((Integer) a.get("gid")));
            java.nio.file.attribute.FileTime mt = (java.nio.file.attribute.FileTime) a.get("lastModifiedTime");
            sb.append(" mtime=").append(mt.toInstant());
            if (type == 0100000) {
                sb.append(" size=").append(a.get("size")).append(" sha256=").append(sha256(p));
                if ((Integer) a.get("nlink") > 1) {
                    Object ino = a.get("ino");
                    String first = firstByInode.computeIfAbsent((Long) ino, k -> "");
                    if (first.isEmpty()) {
                        firstByInode.put((Long) ino, rel);
                        first = rel;
                    }
                    sb.append(" nlink=").append(a.get("nlink")).append(" group=").append(first);
                }
                if (rel.startsWith("sparse")) {
                    sb.append(" blocks=").append(run(root, "stat", "-c", "%b", p.toString()).strip());
                }
            } else if (type == 0120000) {
                sb.append(" target=").append(Files.readSymbolicLink(p));
            } else if (type == 0020000 || type == 0060000) {
                sb.append(" rdev=").append(a.get("rdev"));
            }
            if (type != 0120000) {
                sb.append(" xattrs=[").append(xattrs(root, p)).append("] acl=[")
                        .append(run(root, "getfacl", "-cpn", p.toString()).strip().replace('\n', ' ')).append(']');
            }
            lines.put(rel, sb.toString());
        }
        return new ArrayList<>(lines.values());
    }

    private static void walk(Path root, Path p, Object rootDev, List<Path> out) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,dev", LinkOption.NOFOLLOW_LINKS);
        int type = (Integer) a.get("mode") & 0170000;
        if (type == 0140000) {
            return;
        }
        out.add(p);
        if (type == 0040000 && (p.equals(root) || a.get("dev").equals(rootDev))) {
            try (Stream<Path> s = Files.list(p)) {
                for (Path c : s.sorted().toList()) {
                    walk(root, c, rootDev, out);
                }
            }
        }
    }

    private static String xattrs(Path root, Path p) throws Exception {
        String out = run(root, "getfattr", "-h", "-d", "-m", "^(user\\.|security\\.capability)", "-e", "hex",
                "--absolute-names", p.toString());
        return String.join(" ", out.lines().filter(l -> !l.startsWith("#") && !l.isBlank()).sorted().toList());
    }

    private static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
