package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.storage.zfs.ZfsTestPool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Imports into a filesystem that fills up part-way, at five points each (free space 10 %, 30 %, 50 %, 70 % and 90 %
 * of what the volume needs): a 48 MiB ext4 and a 160 MiB btrfs on loop devices, and a zfs pool with a quota. Each
 * import must fail with one line that names the volume and says the space ran out, leave nothing of itself behind
 * (no staging file, subvolume or dataset; nothing under the target name), and leave the filler file that took the
 * space untouched.
 */
// Runs beside the other integration tests (pom.xml: two threads), never beside another class that uses zfs-fuse
// (the lock they share, FaultWorldTest.LOCK); the lock also keeps its tests in one thread.
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(FaultWorldTest.LOCK)
class DiskFullIT {
    static Path tmp;
    static SmallFilesystem ext4;
    static SmallFilesystem btrfs;
    static ZfsTestPool pool;
    static String volport;

    /** A target: storage id, volume, format, what fills its filesystem, and its need in bytes. */
    record Full(String name, String target, String format, String source, long need) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        tmp = Files.createTempDirectory("volport-faults-full-");
        ext4 = SmallFilesystem.create(tmp, "ext4", 48);
        btrfs = SmallFilesystem.create(tmp, "btrfs", 160);
        pool = ZfsTestPool.create(tmp.resolve("zfs"));
        Files.writeString(tmp.resolve("storage.cfg"), """
                dir: src
                \tpath %s
                \tcontent images,rootdir

                dir: fdir
                \tpath %s
                \tcontent images,rootdir

                btrfs: fbt
                \tpath %s
                \tcontent images,rootdir

                zfspool: fz
                \tpool %s
                \tcontent images,rootdir
                """.formatted(tmp.resolve("src"), ext4.mount.resolve("st"), btrfs.mount.resolve("st"), pool.name()));
        Files.createDirectories(ext4.mount.resolve("st"));
        Files.createDirectories(btrfs.mount.resolve("st"));
        volport = Sh.VOLPORT + " --config " + q(tmp.resolve("storage.cfg")) + " --quiet";
        // 32 MiB disk with 24 MiB of random data; a tree of 24 MiB of random data in 24 files.
        Sh.ok(volport + " alloc src 100 vm-100-disk-0.raw 32M && head -c 24M /dev/urandom | dd of="
                + q(tmp.resolve("src/images/100/vm-100-disk-0.raw")) + " conv=notrunc status=none");
        Sh.ok(volport + " alloc src 100 subvol-100-disk-0.subvol 0 --format subvol");
        Path tree = tmp.resolve("src/images/100/subvol-100-disk-0.subvol");
        for (int i = 0; i < 24; i++) {
            Sh.ok("head -c 1M /dev/urandom > " + q(tree.resolve("f" + i)));
        }
    }

    @AfterAll
    static void tearDown() throws Exception {
        try (SmallFilesystem a = ext4; SmallFilesystem b = btrfs; ZfsTestPool c = pool) {
            FaultWorld.deleteTree(tmp.resolve("src"));
        }
    }

    static List<Full> targets() {
        long mib = 1 << 20;
        return List.of(
                new Full("ext4 dir raw+size>raw", "fdir:100/vm-100-disk-0.raw", "raw+size",
                        "src:100/vm-100-disk-0.raw", 24 * mib),
                new Full("ext4 dir raw+sparse>qcow2", "fdir:100/vm-100-disk-0.qcow2", "raw+sparse",
                        "src:100/vm-100-disk-0.raw", 24 * mib),
                new Full("ext4 dir tar+size>subvol", "fdir:100/subvol-100-disk-0.subvol", "tar+size",
                        "src:100/subvol-100-disk-0.subvol", 24 * mib),
                new Full("btrfs raw+size>raw", "fbt:100/vm-100-disk-0.raw", "raw+size",
                        "src:100/vm-100-disk-0.raw", 24 * mib),
                new Full("btrfs tar+size>subvol", "fbt:100/subvol-100-disk-0.subvol", "tar+size",
                        "src:100/subvol-100-disk-0.subvol", 24 * mib),
                new Full("zfs quota tar+size>subvol", "fz:subvol-100-disk-0", "tar+size",
                        "src:100/subvol-100-disk-0.subvol", 24 * mib));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("targets")
    void aFullFilesystemFailsTheImportCleanly(Full t) throws Exception {
        Path stream = tmp.resolve("stream");
        Sh.ok(volport + " export " + t.source() + " " + t.format() + " " + q(stream));
        List<String> failures = new ArrayList<>();
        int trials = 0;
        int survived = 0;
        for (double share : new double[] {0.1, 0.3, 0.5, 0.7, 0.9}) {
            long free = (long) (t.need() * share);
            String filler = fill(t, free);
            String fillerSum = filler == null ? "" : Sh.ok("sha256sum < " + q(filler));
            Sh.Result r = Sh.bash(volport + " import " + q(t.target()) + " " + t.format() + " " + q(stream), 300);
            trials++;
            String where = (int) (share * 100) + "% free";
            boolean ok = true;
            List<String> lines = r.err().lines().toList();
            if (r.exit() != 1 || lines.size() != 1 || !lines.getFirst().startsWith("volport: ")
                    || !lines.getFirst().contains(t.target())
                    || !lines.getFirst().matches("(?i).*(no space left|quota exceeded|out of space).*")) {
                failures.add(where + ": expected one line naming the volume and the full disk, got " + r);
                ok = false;
            }
            List<String> left = leftovers(t);
            if (!left.isEmpty()) {
                failures.add(where + ": left behind " + left);
                ok = false;
            }
            if (filler != null && !fillerSum.equals(Sh.ok("sha256sum < " + q(filler)))) {
                failures.add(where + ": the filler changed");
                ok = false;
            }
            if (r.exit() == 0) {
                // an import that should not have fitted: remove it, so the next fill level starts clean
                Sh.bash(volport + " free " + q(t.target()), 60);
            }
            unfill(t);
            survived += ok ? 1 : 0;
        }
        FaultReport.add(new FaultReport.Row("disk full", t.name(), trials, survived, survived, 0, 0));
        assertThat(failures).as(t.name()).isEmpty();
    }

    /** Takes all but {@code free} bytes of the target's space; returns the filler file (null for a quota). */
    private static String fill(Full t, long free) throws Exception {
        if (t.target().startsWith("fz:")) {
            long used = Long.parseLong(ZfsTestPool.zfs("get", "-Hp", "-o", "value", "used", pool.name()).strip());
            ZfsTestPool.zfs("set", "quota=" + (used + free), pool.name());
            return null;
        }
        SmallFilesystem fs = t.target().startsWith("fdir:") ? ext4 : btrfs;
        Path filler = fs.mount.resolve("filler");
        if (fs == btrfs) {
            // btrfs's free-space figure is an estimate (metadata reserve, mixed block groups) that can be megabytes
            // below what a write really gets; so fill until the write fails, then give back exactly FREE bytes.
            Sh.ok("dd if=/dev/urandom of=" + q(filler) + " bs=64K status=none 2>/dev/null || true; sync -f "
                    + q(fs.mount) + "; truncate -s -" + free + " " + q(filler) + "; sync -f " + q(fs.mount));
            return filler.toString();
        }
        long take = fs.available() - free;
        Sh.ok("head -c " + Math.max(0, take) + " /dev/urandom > " + q(filler) + " 2>/dev/null || true; sync -f "
                + q(fs.mount));
        return filler.toString();
    }

    private static void unfill(Full t) throws Exception {
        if (t.target().startsWith("fz:")) {
            ZfsTestPool.zfs("set", "quota=none", pool.name());
        } else {
            Files.deleteIfExists((t.target().startsWith("fdir:") ? ext4 : btrfs).mount.resolve("filler"));
        }
    }

    private static List<String> leftovers(Full t) throws Exception {
        if (t.target().startsWith("fz:")) {
            return pool.all().stream().filter(n -> !n.equals(pool.name())).toList();
        }
        Path storage = (t.target().startsWith("fdir:") ? ext4 : btrfs).mount.resolve("st");
        try (Stream<Path> s = Files.walk(storage)) {
            return s.filter(p -> !Files.isDirectory(p) || p.getFileName().toString().contains("disk"))
                    .filter(p -> !p.getFileName().toString().equals(".volport.lock"))
                    .map(storage::relativize).map(Path::toString).toList();
        }
    }
}
