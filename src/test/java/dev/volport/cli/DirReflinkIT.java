package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A local migration or copy of a raw disk between dir storages on one btrfs filesystem is a clone of the file
 * ({@code FICLONE}): its blocks are shared with the source ({@code filefrag} flags them), holes stay holes, the
 * content is the source's, and it is committed as an import (success line, no staging file left). Across
 * filesystems only the data ranges are copied, file to file; under a bandwidth limit the disk is streamed.
 */
class DirReflinkIT {
    @RegisterExtension
    static final BtrfsLoop BTRFS = new BtrfsLoop();

    @TempDir
    Path tmp;

    private String volport(Path a, Path b) throws Exception {
        Files.writeString(tmp.resolve("storage.cfg"), "dir: one\n\tpath " + a + "\n\tcontent images\n\ndir: two\n\tpath "
                + b + "\n\tcontent images\n");
        return Shell.VOLPORT + " --config " + q(tmp.resolve("storage.cfg"));
    }

    /** A 64 MiB disk with 24 MiB of data in two runs and holes around them. */
    private static Path disk(String v, Path root) throws Exception {
        Path file = root.resolve("images/100/vm-100-disk-0.raw");
        Result r = bash(v + " --quiet alloc one 100 vm-100-disk-0.raw 64M && head -c 16M /dev/urandom | dd of=" + q(file)
                + " bs=1M seek=8 conv=notrunc status=none && head -c 8M /dev/urandom | dd of=" + q(file)
                + " bs=1M seek=40 conv=notrunc status=none && sync");
        assertThat(r.exit()).as(r.err()).isZero();
        return file;
    }

    private static long sharedExtents(Path file) throws Exception {
        Result r = bash("filefrag -v " + q(file) + " | grep -c shared || true");
        return Long.parseLong(r.out().trim());
    }

    @Test
    void aMigrationOnOneBtrfsSharesTheBlocksOfTheRawFile() throws Exception {
        Path a = BTRFS.freshDirectory("one");
        Path b = BTRFS.freshDirectory("two");
        String v = volport(a, b);
        Path src = disk(v, a);
        Result r = bash(v + " migrate one:100/vm-100-disk-0.raw --target-storage two");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("successfully imported 'two:100/vm-100-disk-0.raw'");
        Path copy = b.resolve("images/100/vm-100-disk-0.raw");
        assertThat(Files.mismatch(src, copy)).isEqualTo(-1L);
        assertThat(Files.size(copy)).isEqualTo(64L << 20);
        assertThat(sharedExtents(copy)).isPositive();
        assertThat(sharedExtents(src)).isPositive();
        // holes stay holes: about the 24 MiB of data are allocated, not 64
        assertThat(bash("du -k " + q(copy) + " | cut -f1").out().trim()).satisfies(kib ->
                assertThat(Long.parseLong(kib)).isBetween(24L << 10, 26L << 10));
        try (var left = Files.list(copy.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("vm-100-disk-0.raw");
        }
        // the clone is a volume of its own: writing into it leaves the source as it was
        String before = bash("sha256sum < " + q(src)).out();
        assertThat(bash("head -c 1M /dev/urandom | dd of=" + q(copy) + " bs=1M seek=9 conv=notrunc status=none")
                .exit()).isZero();
        assertThat(bash("sha256sum < " + q(src)).out()).isEqualTo(before);
        // an existing target is refused as for a stream, and the staging file is not left behind
        Result again = bash(v + " migrate one:100/vm-100-disk-0.raw --target-storage two");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("volport: ").contains("already exists");
        try (var left = Files.list(copy.getParent())) {
            assertThat(left.count()).isEqualTo(1);
        }
    }

    @Test
    void acrossFilesystemsOnlyTheDataRangesAreCopiedFileToFile() throws Exception {
        Path a = BTRFS.freshDirectory("one");
        Path b = tmp.resolve("ext4"); // the temporary directory is not on the test's btrfs
        String v = volport(a, b);
        Path src = disk(v, a);
        Result r = bash(v + " --progress json copy one:100/vm-100-disk-0.raw two:100/vm-100-disk-0.raw");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("copy one:100/vm-100-disk-0.raw to two:100/vm-100-disk-0.raw: the data ranges"
                + " copied file to file (holes kept, no stream)");
        // progress as for a stream: named after the volumes, ending once at the disk's size
        assertThat(r.errLines()).filteredOn(l -> l.contains("\"done\":true")).singleElement().satisfies(l ->
                assertThat(l).contains("copy one:100/vm-100-disk-0.raw to two:100/vm-100-disk-0.raw",
                        String.valueOf(64L << 20)));
        Path copy = b.resolve("images/100/vm-100-disk-0.raw");
        assertThat(Files.mismatch(src, copy)).isEqualTo(-1L);
        assertThat(sharedExtents(copy)).isZero();
        // the holes stayed holes: 24 MiB allocated of 64
        assertThat(Long.parseLong(bash("du -k " + q(copy) + " | cut -f1").out().trim())).isBetween(24L << 10,
                26L << 10);
        try (var left = Files.list(copy.getParent())) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("vm-100-disk-0.raw");
        }
        // an existing target is refused and kept
        String before = bash("sha256sum < " + q(copy)).out();
        Result again = bash(v + " copy one:100/vm-100-disk-0.raw two:100/vm-100-disk-0.raw");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).startsWith("volport: ").contains("already exists");
        assertThat(bash("sha256sum < " + q(copy)).out()).isEqualTo(before);
    }

    @Test
    void underABandwidthLimitTheDiskIsStreamed() throws Exception {
        Path a = BTRFS.freshDirectory("one");
        Path b = tmp.resolve("ext4");
        String v = volport(a, b);
        Path src = disk(v, a);
        Result r = bash(v + " copy --bwlimit 1000000 one:100/vm-100-disk-0.raw two:100/vm-100-disk-0.raw");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).doesNotContain("file to file");
        assertThat(Files.mismatch(src, b.resolve("images/100/vm-100-disk-0.raw"))).isEqualTo(-1L);
    }

    /**
     * SIGTERM in the middle of a copy in place: the staging file goes, nothing is committed, the source is kept. The
     * process is stopped (SIGSTOP) once its staging file exists and is shorter than the source's data, so the
     * signal lands while the copy runs however fast the disk is.
     */
    @Test
    void aSignalDuringACopyInPlaceLeavesNothing() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b"); // both on the temporary directory's filesystem: no clone, data ranges copied
        String v = volport(a, b);
        Path src = a.resolve("images/100/vm-100-disk-0.raw");
        Result made = bash(v + " --quiet alloc one 100 vm-100-disk-0.raw 1G && head -c 1G < <(yes volport) | dd of="
                + q(src) + " bs=1M conv=notrunc status=none");
        assertThat(made.exit()).as(made.err()).isZero();
        String before = bash("sha256sum < " + q(src)).out();
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal=INT", "sh", "-c", "exec " + v
                + " copy one:100/vm-100-disk-0.raw two:100/vm-100-disk-0.raw");
        pb.redirectError(tmp.resolve("err").toFile());
        pb.redirectOutput(tmp.resolve("out").toFile());
        Path images = Files.createDirectories(b.resolve("images/100"));
        Process p = pb.start();
        Path staging = null;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (staging == null && p.isAlive() && System.nanoTime() < deadline) {
            try (var s = Files.list(images)) {
                staging = s.filter(f -> f.getFileName().toString().startsWith(".volport-staging.")).findFirst()
                        .orElse(null);
            }
            Thread.sleep(staging == null ? 2 : 0);
        }
        assertThat(staging).as("a staging file while the copy runs").isNotNull();
        // the shell exec'd volport's launcher, which exec'd java: one pid for all three
        assertThat(bash("kill -STOP " + p.pid()).exit()).isZero();
        long copied = Long.parseLong(bash("du -k " + q(staging) + " | cut -f1").out().trim());
        assertThat(copied).as("KiB copied when stopped (the copy must still run)").isLessThan(1L << 20);
        assertThat(bash("kill -TERM " + p.pid() + " && kill -CONT " + p.pid()).exit()).isZero();
        assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(tmp.resolve("out"))).isEmpty();
        try (var left = Files.walk(b)) {
            assertThat(left.filter(Files::isRegularFile).map(f -> f.getFileName().toString()))
                    .containsExactly(".volport.lock");
        }
        assertThat(bash("sha256sum < " + q(src)).out()).isEqualTo(before);
    }

    @Test
    void aTargetThatFillsUpKeepsNothingAndSaysWhy() throws Exception {
        Path a = BTRFS.freshDirectory("one");
        Path b = Files.createDirectories(tmp.resolve("small"));
        // 16 MiB for a disk with 24 MiB of data
        assertThat(bash("mount -t tmpfs -o size=16m volport-test " + q(b)).exit()).isZero();
        try {
            String v = volport(a, b);
            disk(v, a);
            Result r = bash(v + " copy one:100/vm-100-disk-0.raw two:100/vm-100-disk-0.raw");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.errLines()).singleElement().satisfies(l -> assertThat(l).startsWith("volport: ")
                    .contains("one:100/vm-100-disk-0.raw", "No space left on device"));
            try (var left = Files.walk(b)) {
                // the storage's lock file is the storage's, kept as every import keeps it
                assertThat(left.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .containsExactly(".volport.lock");
            }
        } finally {
            bash("umount " + q(b));
        }
    }
}
