package dev.volport.faults;

import static dev.volport.faults.Sh.q;

import dev.volport.faults.ImportPath.Kind;
import dev.volport.storage.zfs.ZfsTestPool;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The storages a fault case runs against, made once per test class: dir storages {@code src} and {@code dst} in a
 * temporary directory, btrfs storages {@code bsrc}/{@code bdst} on a loop-mounted btrfs (optional), zfspool storages
 * {@code zsrc}/{@code zdst} on two zfs-fuse pools (optional); the source volumes (a raw disk with data and holes, its
 * qcow2 and VMDK copies, a container tree) and, for each {@link ImportPath}, the stream exported from its source,
 * written once to a file. Next to the storages lie files that no operation may touch ({@code outside/}) and, in
 * each target storage, a volume that existed before ({@code …-disk-9}); {@link #untouchedDigest()} covers them and
 * the source storages.
 */
final class FaultWorld implements AutoCloseable {
    final Path root;
    final String volport;
    private final Path btrfsRoot;
    private final ZfsTestPool zsrc;
    private final ZfsTestPool zdst;
    private final Map<String, Path> streams = new HashMap<>();
    private final Map<String, String> digests = new HashMap<>();
    private final Map<Kind, java.util.Set<String>> baseline = new HashMap<>();
    /** zfs volumes found renamed into place but not mounted (see {@link #visible}). */
    int unmountedAfterKill;

    private FaultWorld(Path root, Path btrfsRoot, ZfsTestPool zsrc, ZfsTestPool zdst) {
        this.root = root;
        this.btrfsRoot = btrfsRoot;
        this.zsrc = zsrc;
        this.zdst = zdst;
        this.volport = Sh.VOLPORT + " --config " + q(root.resolve("storage.cfg")) + " --quiet";
    }

    /** Makes the storages and sources; {@code btrfsRoot} (a directory on a btrfs) and {@code zfs} are optional. */
    static FaultWorld create(Path root, Path btrfsRoot, boolean zfs) throws Exception {
        ZfsTestPool a = zfs ? ZfsTestPool.create(root.resolve("zfs-a")) : null;
        ZfsTestPool b = zfs ? ZfsTestPool.create(root.resolve("zfs-b")) : null;
        FaultWorld w = new FaultWorld(root, btrfsRoot, a, b);
        w.build();
        w.recordBaseline();
        return w;
    }

    private void build() throws Exception {
        StringBuilder cfg = new StringBuilder("""
                dir: src
                \tpath %s
                \tcontent images,rootdir

                dir: dst
                \tpath %s
                \tcontent images,rootdir
                """.formatted(root.resolve("src"), root.resolve("dst")));
        if (btrfsRoot != null) {
            cfg.append("""

                    btrfs: bsrc
                    \tpath %s
                    \tcontent images,rootdir

                    btrfs: bdst
                    \tpath %s
                    \tcontent images,rootdir
                    """.formatted(btrfsRoot.resolve("bsrc"), btrfsRoot.resolve("bdst")));
            Files.createDirectories(btrfsRoot.resolve("bsrc"));
            Files.createDirectories(btrfsRoot.resolve("bdst"));
        }
        if (zsrc != null) {
            cfg.append("""

                    zfspool: zsrc
                    \tpool %s
                    \tcontent images,rootdir

                    zfspool: zdst
                    \tpool %s
                    \tcontent images,rootdir
                    """.formatted(zsrc.name(), zdst.name()));
        }
        Files.writeString(root.resolve("storage.cfg"), cfg);

        Random random = new Random(42);
        Path outside = Files.createDirectories(root.resolve("outside/sub"));
        Files.write(outside.resolve("../notes.txt"), "not volport's\n".getBytes());
        byte[] some = new byte[100_000];
        random.nextBytes(some);
        Files.write(outside.resolve("data.bin"), some);

        // The source disk: 24 MiB, data at 0-8 MiB and 16-20 MiB, holes elsewhere.
        Sh.ok(volport + " alloc src 100 vm-100-disk-0.raw 24M");
        Path raw = root.resolve("src/images/100/vm-100-disk-0.raw");
        try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            byte[] chunk = new byte[1 << 20];
            for (int mib : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19}) {
                random.nextBytes(chunk);
                f.seek((long) mib << 20);
                f.write(chunk);
            }
        }
        for (String fmt : List.of("qcow2", "vmdk")) {
            Sh.ok(volport + " export src:100/vm-100-disk-0.raw raw+size - | " + volport
                    + " import src:100/vm-100-disk-0." + fmt + " raw+size -");
        }
        // The source container tree: files with data, a sparse file, links, modes and owners.
        Sh.ok(volport + " alloc src 100 subvol-100-disk-0.subvol 0 --format subvol");
        Path tree = root.resolve("src/images/100/subvol-100-disk-0.subvol");
        for (int i = 0; i < 12; i++) {
            Path dir = Files.createDirectories(tree.resolve("d" + (i % 4)));
            byte[] data = new byte[i == 0 ? 3 << 20 : 10_000 * i];
            random.nextBytes(data);
            Files.write(dir.resolve("f" + i), data);
        }
        try (var f = new java.io.RandomAccessFile(tree.resolve("sparse").toFile(), "rw")) {
            f.setLength(16 << 20);
            f.seek(8 << 20);
            f.write(some);
        }
        Files.createSymbolicLink(tree.resolve("link"), Path.of("d1/f1"));
        Files.createLink(tree.resolve("hard"), tree.resolve("d2/f2"));
        Sh.ok("chmod 0700 " + q(tree.resolve("d3")) + " && chown 100000:100000 " + q(tree.resolve("d1/f5")));

        Sh.ok(volport + " alloc dst 100 vm-100-disk-9.raw 1M && head -c 65536 /dev/urandom | dd of="
                + q(root.resolve("dst/images/100/vm-100-disk-9.raw")) + " conv=notrunc status=none");
        if (btrfsRoot != null) {
            Sh.ok(volport + " export src:100/vm-100-disk-0.raw raw+size - | " + volport
                    + " import bsrc:100/vm-100-disk-0.raw raw+size - && " + volport
                    + " snapshot bsrc:100/vm-100-disk-0.raw s1");
            Sh.ok(volport + " export src:100/subvol-100-disk-0.subvol tar+size - | " + volport
                    + " import bsrc:100/subvol-100-disk-0.subvol tar+size -");
            Sh.ok(volport + " export dst:100/vm-100-disk-9.raw raw+size - | " + volport
                    + " import bdst:100/vm-100-disk-9.raw raw+size -");
        }
        if (zsrc != null) {
            Sh.ok(volport + " export src:100/subvol-100-disk-0.subvol tar+size - | " + volport
                    + " import zsrc:subvol-100-disk-0 tar+size - && " + volport + " snapshot zsrc:subvol-100-disk-0 S");
            Sh.ok(volport + " export src:100/subvol-100-disk-0.subvol tar+size - | " + volport
                    + " import zdst:subvol-100-disk-9 tar+size -");
        }
    }

    /** Every import path this world has storages for. */
    List<ImportPath> paths() {
        Path dst = root.resolve("dst/images/100");
        List<ImportPath> all = new ArrayList<>(List.of(
                new ImportPath("dir raw+size>raw", Kind.DIR, "raw+size", "src:100/vm-100-disk-0.raw",
                        "dst:100/vm-100-disk-0.raw", dst.resolve("vm-100-disk-0.raw"), true, "", ""),
                new ImportPath("dir raw+size>qcow2", Kind.DIR, "raw+size", "src:100/vm-100-disk-0.raw",
                        "dst:100/vm-100-disk-0.qcow2", dst.resolve("vm-100-disk-0.qcow2"), true, "", ""),
                new ImportPath("dir qcow2+size>qcow2", Kind.DIR, "qcow2+size", "src:100/vm-100-disk-0.qcow2",
                        "dst:100/vm-100-disk-0.qcow2", dst.resolve("vm-100-disk-0.qcow2"), true, " -with-snapshots 1",
                        " -with-snapshots 1"),
                new ImportPath("dir vmdk+size>vmdk", Kind.DIR, "vmdk+size", "src:100/vm-100-disk-0.vmdk",
                        "dst:100/vm-100-disk-0.vmdk", dst.resolve("vm-100-disk-0.vmdk"), true, " -with-snapshots 1",
                        " -with-snapshots 1"),
                new ImportPath("dir raw+sparse>raw", Kind.DIR, "raw+sparse", "src:100/vm-100-disk-0.qcow2",
                        "dst:100/vm-100-disk-0.raw", dst.resolve("vm-100-disk-0.raw"), true, "", ""),
                new ImportPath("dir raw+sparse>qcow2", Kind.DIR, "raw+sparse", "src:100/vm-100-disk-0.raw",
                        "dst:100/vm-100-disk-0.qcow2", dst.resolve("vm-100-disk-0.qcow2"), true, "", ""),
                new ImportPath("dir tar+size>subvol", Kind.DIR, "tar+size", "src:100/subvol-100-disk-0.subvol",
                        "dst:100/subvol-100-disk-0.subvol", dst.resolve("subvol-100-disk-0.subvol"), false, "", "")));
        if (btrfsRoot != null) {
            Path b = btrfsRoot.resolve("bdst/images/100");
            all.add(new ImportPath("btrfs raw+size>raw", Kind.BTRFS, "raw+size", "src:100/vm-100-disk-0.raw",
                    "bdst:100/vm-100-disk-0.raw", b.resolve("vm-100-disk-0"), true, "", ""));
            all.add(new ImportPath("btrfs btrfs>raw", Kind.BTRFS, "btrfs", "bsrc:100/vm-100-disk-0.raw",
                    "bdst:100/vm-100-disk-0.raw", b.resolve("vm-100-disk-0"), true,
                    " -snapshot s1 -with-snapshots 1", " -snapshot s1 -with-snapshots 1"));
            all.add(new ImportPath("btrfs tar+size>subvol", Kind.BTRFS, "tar+size", "src:100/subvol-100-disk-0.subvol",
                    "bdst:100/subvol-100-disk-0.subvol", b.resolve("subvol-100-disk-0.subvol"), false, "", ""));
        }
        if (zsrc != null) {
            Path z = zdst.mountpoint();
            all.add(new ImportPath("zfs zfs>subvol", Kind.ZFS, "zfs", "zsrc:subvol-100-disk-0",
                    "zdst:subvol-100-disk-0", z.resolve("subvol-100-disk-0"), false,
                    " -snapshot S -with-snapshots 1", " -snapshot S -with-snapshots 1"));
            all.add(new ImportPath("zfs tar+size>subvol", Kind.ZFS, "tar+size", "src:100/subvol-100-disk-0.subvol",
                    "zdst:subvol-100-disk-0", z.resolve("subvol-100-disk-0"), false, "", ""));
        }
        return all;
    }

    /** {@code p} with another target volume in the same storage (a renamed import's). */
    ImportPath at(ImportPath p, String volid) {
        String name = volid.substring(volid.indexOf(':') + 1);
        Path path = switch (p.kind()) {
            case DIR -> root.resolve("dst/images").resolve(name);
            case BTRFS -> btrfsRoot.resolve("bdst/images").resolve(name.replaceFirst("\\.raw$", ""));
            case ZFS -> zdst.mountpoint().resolve(name);
        };
        return new ImportPath(p.name(), p.kind(), p.format(), p.source(), volid, path, p.image(), p.exportArgs(),
                p.importArgs());
    }

    /** Where the target storage's files live: its path, or the pool's mountpoint. */
    Path storageRoot(ImportPath p) {
        return switch (p.kind()) {
            case DIR -> root.resolve("dst");
            case BTRFS -> btrfsRoot.resolve("bdst");
            case ZFS -> zdst.mountpoint();
        };
    }

    /** The stream of {@code p}, exported from its source once and kept in a file. */
    Path stream(ImportPath p) throws Exception {
        Path s = streams.get(p.name());
        if (s == null) {
            s = Files.createDirectories(root.resolve("streams")).resolve(p.name().replaceAll("[^a-z0-9+]", "_"));
            Sh.ok(volport + " export " + p.source() + " " + p.format() + " " + q(s) + p.exportArgs());
            streams.put(p.name(), s);
        }
        return s;
    }

    /** What the target must hold when it is visible: the source's content digest or tree dump, as a string. */
    String expected(ImportPath p) throws Exception {
        String d = digests.get(p.name());
        if (d == null) {
            d = p.image() ? checksum(p.source()) : treeDigest(sourceTree(p), p.kind() == Kind.ZFS);
            digests.put(p.name(), d);
        }
        return d;
    }

    private Path sourceTree(ImportPath p) {
        return switch (p.source().substring(0, p.source().indexOf(':'))) {
            case "src" -> root.resolve("src/images/100/subvol-100-disk-0.subvol");
            case "bsrc" -> btrfsRoot.resolve("bsrc/images/100/subvol-100-disk-0.subvol");
            default -> zsrc.mountpoint().resolve("subvol-100-disk-0");
        };
    }

    /** The target's content in the form of {@link #expected}. */
    String actual(ImportPath p) throws Exception {
        return p.image() ? checksum(p.target()) : treeDigest(p.volumePath(), p.kind() == Kind.ZFS);
    }

    private String checksum(String volid) throws Exception {
        return Sh.ok(volport + " checksum " + q(volid)).strip().split("\\s+")[0];
    }

    /** Whether a volume stands under the target name. */
    boolean visible(ImportPath p) throws Exception {
        if (p.kind() == Kind.ZFS) {
            String dataset = zdst.name() + "/" + p.target().substring(5);
            if (Sh.bash("zfs list -H -o name " + q(dataset)).exit() != 0) {
                return false;
            }
            // killed between zfs rename and zfs mount (zfs-fuse renames only unmounted datasets): mount it, as the
            // next boot's 'zfs mount -a' would, and count it
            if (!Sh.ok("zfs get -H -o value mounted " + q(dataset)).strip().equals("yes")) {
                unmountedAfterKill++;
                Sh.ok("zfs mount " + q(dataset));
            }
            return true;
        }
        return Files.exists(p.volumePath(), LinkOption.NOFOLLOW_LINKS);
    }

    /** volport's temporary objects in the target storage: staging files, subvolumes or datasets. */
    List<String> leftovers(ImportPath p) throws Exception {
        if (p.kind() == Kind.ZFS) {
            List<String> left = new ArrayList<>(zdst.all().stream().filter(n -> n.contains("volport")).toList());
            Path locks = Path.of("/run/volport/zfs", zdst.name());
            if (Files.isDirectory(locks)) {
                try (Stream<Path> s = Files.list(locks)) {
                    s.map(x -> x.getFileName().toString()).filter(n -> !n.equals("storage.lock"))
                            .forEach(n -> left.add("lock file " + n));
                }
            }
            return left;
        }
        java.util.Set<String> now = new java.util.TreeSet<>(entries(p.kind()));
        now.removeAll(baseline.get(p.kind()));
        if (visible(p)) {
            String base = p.volumePath().getFileName().toString();
            now.removeIf(e -> {
                String name = Path.of(e).getFileName().toString();
                return name.equals(base) || name.startsWith(base + "@") || e.contains("/" + base + "/");
            });
        }
        return new ArrayList<>(now);
    }

    /** The entries of a target storage, three levels deep (the lock file left out): what a trial may add. */
    private List<String> entries(Kind kind) throws IOException {
        Path storage = kind == Kind.DIR ? root.resolve("dst") : btrfsRoot.resolve("bdst");
        try (Stream<Path> s = Files.walk(storage, 3)) {
            return s.filter(x -> !x.getFileName().toString().equals(".volport.lock"))
                    .map(storage::relativize).map(Path::toString).toList();
        }
    }

    /** Call once the world is built: what the target storages hold before any trial. */
    private void recordBaseline() throws IOException {
        baseline.put(Kind.DIR, new java.util.HashSet<>(entries(Kind.DIR)));
        if (btrfsRoot != null) {
            baseline.put(Kind.BTRFS, new java.util.HashSet<>(entries(Kind.BTRFS)));
        }
    }

    /** Removes the target volume (with its snapshots) so that the next trial starts from the same state. */
    void removeTarget(ImportPath p) throws Exception {
        Sh.ok(volport + " free " + q(p.target()));
    }

    /**
     * A digest of everything a fault must not touch: {@code outside/}, the source storages and the volumes that
     * existed in the target storages before.
     */
    String untouchedDigest() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path r : untouchedRoots()) {
            List<Path> all;
            try (Stream<Path> s = Files.walk(r)) {
                all = s.sorted().toList();
            }
            for (Path x : all) {
                md.update(x.toString().getBytes());
                if (Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS)) {
                    hash(md, x);
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * What {@link #untouchedDigest()} covers, by metadata instead of content: every path with its inode, type, mode,
     * owner, size, and modification and change times to the nanosecond. A write, truncation, chmod, chown, rename
     * or unlink of any of them changes this (the change time cannot be set from user space), at a thousandth of the
     * cost of reading the bytes; the kill suites take it after every trial and the content digest once per import
     * path, at its start and end.
     */
    String untouchedStat() throws Exception {
        StringBuilder all = new StringBuilder();
        for (Path r : untouchedRoots()) {
            try (Stream<Path> s = Files.walk(r)) {
                for (Path x : s.sorted().toList()) {
                    var a = Files.readAttributes(x, "unix:ino,mode,uid,gid,size,lastModifiedTime,ctime",
                            LinkOption.NOFOLLOW_LINKS);
                    all.append(x).append(' ').append(a.get("ino")).append(' ').append(a.get("mode")).append(' ')
                            .append(a.get("uid")).append(':').append(a.get("gid")).append(' ').append(a.get("size"))
                            .append(' ').append(a.get("lastModifiedTime")).append(' ').append(a.get("ctime"))
                            .append('\n');
                }
            }
        }
        return all.toString();
    }

    private List<Path> untouchedRoots() {
        List<Path> roots = new ArrayList<>(List.of(root.resolve("outside"), root.resolve("src"),
                root.resolve("dst/images/100/vm-100-disk-9.raw")));
        if (btrfsRoot != null) {
            roots.add(btrfsRoot.resolve("bsrc"));
            roots.add(btrfsRoot.resolve("bdst/images/100/vm-100-disk-9"));
        }
        if (zsrc != null) {
            roots.add(zsrc.mountpoint());
            roots.add(zdst.mountpoint().resolve("subvol-100-disk-9"));
        }
        return roots;
    }

    /**
     * Names, types, modes, owners, sizes, modification times, link targets and content hashes of every path below
     * {@code dir}, sorted: what a container volume's copy must keep (the tar tests check ACLs and xattrs; zfs-fuse
     * has no xattrs, so they are left out here). {@code seconds}: times to the second only, for zfs-fuse, which
     * keeps no fractions of a second (real ZFS does).
     */
    static String treeDigest(Path dir, boolean seconds) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir)) {
            all = s.sorted().toList();
        }
        for (Path x : all) {
            var a = Files.readAttributes(x, "unix:mode,uid,gid,size,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
            boolean file = Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS);
            md.update((dir.relativize(x) + " " + a.get("mode") + " " + a.get("uid") + ":" + a.get("gid") + " "
                    + (file ? a.get("size") : "-") + " " + (seconds
                    ? ((java.nio.file.attribute.FileTime) a.get("lastModifiedTime")).to(java.util.concurrent.TimeUnit.SECONDS)
                    : a.get("lastModifiedTime")) + "\n").getBytes());
            if (Files.isSymbolicLink(x)) {
                md.update(Files.readSymbolicLink(x).toString().getBytes());
            } else if (Files.isRegularFile(x, LinkOption.NOFOLLOW_LINKS)) {
                hash(md, x);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void hash(MessageDigest md, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
    }

    @Override
    public void close() throws Exception {
        try (ZfsTestPool a = zsrc; ZfsTestPool b = zdst) {
            // both pools destroyed, also if one fails
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.walk(p)) {
                for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(x);
                }
            }
        }
    }
}
