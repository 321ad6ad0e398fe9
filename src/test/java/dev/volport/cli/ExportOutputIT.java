package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What {@code volport export} does to its FILE: a failed export leaves a pre-existing file, device or FIFO as it
 * was; a successful one replaces a regular file by rename and writes FIFOs and devices in place; FILE inside a
 * storage is refused; and the errors name the output and the cause. Real processes, real nodes (the suite runs
 * as root, for mknod and mount).
 */
class ExportOutputIT {
    private static final String VOL = "src:100/vm-100-disk-0.raw";
    @TempDir
    Path tmp;
    String v;
    Path volFile;
    Path mount;

    @BeforeEach
    void storages() throws Exception {
        v = Shell.twoDirStorages(tmp);
        volFile = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        mount = tmp.resolve("small");
    }

    @AfterEach
    void unmount() throws Exception {
        bash("mountpoint -q " + q(mount) + " && umount " + q(mount) + " || true");
    }

    /** A raw volume of {@code mib} MiB of random bytes. */
    private void rawVolume(int mib) throws Exception {
        ok(bash(v + " alloc src 100 '' " + mib + "M"));
        ok(bash("head -c " + mib + "M /dev/urandom | dd of=" + q(volFile) + " conv=notrunc status=none"));
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    private static void assertOneErrorLine(Result r, String expected) {
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err().strip()).isEqualTo(expected);
    }

    private Path precious(String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.writeString(f, "precious\n");
        return f;
    }

    private List<Path> tempFiles() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith(OutputFile.TEMP_PREFIX)).toList();
        }
    }

    private void assertNoTempFiles() throws IOException {
        assertThat(tempFiles()).isEmpty();
    }

    private String sha(Path f) throws Exception {
        return ok(bash("sha256sum < " + q(f)));
    }

    @Test
    void missingVolumeLeavesTheFileAlone() throws Exception {
        Path f = precious("f");
        Result r = bash(v + " export src:100/vm-100-disk-9999.raw raw+size " + q(f));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: ").contains("vm-100-disk-9999.raw does not exist");
        assertThat(Files.readString(f)).isEqualTo("precious\n");
        assertNoTempFiles();
    }

    @Test
    void unavailableFormatLeavesTheFileAlone() throws Exception {
        rawVolume(1);
        Path f = precious("f");
        Result r = bash(v + " export " + VOL + " qcow2+size " + q(f));
        assertOneErrorLine(r, "volport: export of " + VOL + ": format qcow2+size is not available (the volume"
                + " offers raw+sparse, raw+size with these options)");
        assertThat(Files.readString(f)).isEqualTo("precious\n");
        assertNoTempFiles();
    }

    @Test
    void imageErrorMidStreamLeavesTheFileAlone() throws Exception {
        Path img = tmp.resolve("src/images/100/vm-100-disk-0.qcow2");
        Files.createDirectories(img.getParent());
        ok(bash("qemu-img create -q -f qcow2 " + q(img) + " 16M && qemu-io -f qcow2 -c 'write -P 0x55 0 2M'"
                + " -c 'write -P 0x66 8M 64k' " + q(img) + " >/dev/null"));
        // Point the L2 entry of guest offset 8 MiB (cluster 128) at 1 TiB: the first 2 MiB stream, then it fails.
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
            raf.seek(40);
            raf.seek(raf.readLong());
            long l2 = raf.readLong() & 0x00ff_ffff_ffff_fe00L;
            raf.seek(l2 + 128 * 8);
            raf.writeLong(0x8000_0000_0000_0000L | 1L << 40);
        }
        Path f = precious("f");
        Result r = bash(v + " export src:100/vm-100-disk-0.qcow2 raw+size " + q(f));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: ").contains("guest offset 0x800000", "runs past the end");
        assertThat(Files.readString(f)).isEqualTo("precious\n");
        assertNoTempFiles();
    }

    @Test
    void diskFullMidStreamLeavesTheFileAlone() throws Exception {
        rawVolume(16);
        Files.createDirectories(mount);
        Result m = bash("mount -t tmpfs -o size=4m volport-test " + q(mount));
        assertThat(m.exit()).as("mounting a tmpfs needs root: " + m.err()).isZero();
        Path f = mount.resolve("f");
        Files.writeString(f, "precious\n");
        Result r = bash(v + " export " + VOL + " raw+size " + q(f));
        assertOneErrorLine(r, "volport: export of " + VOL + ": cannot write '" + f + "': no space left on device");
        assertThat(Files.readString(f)).isEqualTo("precious\n");
        assertNoTempFiles();
    }

    @Test
    void fullDeviceSurvivesAsADevice() throws Exception {
        rawVolume(4);
        Path full = tmp.resolve("full");
        ok(bash("mknod " + q(full) + " c 1 7"));
        Result r = bash(v + " export " + VOL + " raw+size " + q(full));
        assertOneErrorLine(r, "volport: export of " + VOL + ": cannot write '" + full + "': no space left on device");
        assertThat(ok(bash("stat -c '%F %t,%T' " + q(full))).strip()).isEqualTo("character special file 1,7");
        assertNoTempFiles();
    }

    @Test
    void fifoGetsTheStreamInPlace() throws Exception {
        rawVolume(8);
        Path fifo = tmp.resolve("fifo");
        Path got = tmp.resolve("got");
        ok(bash("mkfifo " + q(fifo)));
        Result r = bash("cat " + q(fifo) + " > " + q(got) + " & " + v + " export " + VOL + " raw+size " + q(fifo)
                + "; rc=$?; wait; exit $rc");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(sha(got)).isEqualTo(ok(bash(v + " export " + VOL + " raw+size - | sha256sum")));
        assertThat(Files.size(got)).isEqualTo(8 + (8L << 20));
        assertThat(ok(bash("test -p " + q(fifo) + " && echo fifo")).strip()).isEqualTo("fifo");
        assertNoTempFiles();
    }

    @Test
    void successReplacesAnExistingFileByRenameAndKeepsItsMode() throws Exception {
        rawVolume(2);
        Path f = precious("f");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        Object inodeBefore = Files.readAttributes(f, "unix:ino").get("ino");
        ok(bash(v + " export " + VOL + " raw+size " + q(f)));
        assertThat(sha(f)).isEqualTo(ok(bash(v + " export " + VOL + " raw+size - | sha256sum")));
        assertThat(ok(bash("tail -c +9 " + q(f) + " | cmp - " + q(volFile) + " && echo same")).strip())
                .isEqualTo("same");
        assertThat(Files.readAttributes(f, "unix:ino").get("ino")).as("a new inode: renamed into place")
                .isNotEqualTo(inodeBefore);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-r-----");
        assertNoTempFiles();
    }

    /** A rename could replace a file its user may not write; like a shell's '>', export refuses it. */
    @Test
    void fileTheUserMayNotWriteIsNotReplaced() throws Exception {
        rawVolume(1);
        ok(bash(Shell.VOLPORT + " --version")); // the launcher's caches exist before an unprivileged run
        Path dir = tmp.resolve("nobodys");
        Path ro = dir.resolve("ro");
        Files.createDirectories(dir);
        Files.writeString(ro, "read-only\n");
        ok(bash("chmod 755 " + q(tmp) + " && chmod 444 " + q(ro) + " && chown -R nobody " + q(dir)));
        Result r = bash("runuser -u nobody -- " + v + " export " + VOL + " raw+size " + q(ro));
        assertOneErrorLine(r, "volport: export of " + VOL + ": cannot write '" + ro + "': permission denied");
        assertThat(Files.readString(ro)).isEqualTo("read-only\n");
        assertNoTempFiles();
    }

    @Test
    void symlinkIsFollowedAndStaysALink() throws Exception {
        rawVolume(1);
        Path target = precious("target");
        Path link = tmp.resolve("link");
        Files.createSymbolicLink(link, Path.of("target"));
        ok(bash(v + " export " + VOL + " raw+size " + q(link)));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.size(target)).isEqualTo(8 + (1L << 20));
        assertNoTempFiles();
    }

    @Test
    void writingIntoAStorageIsRefusedAndTheVolumeUnchanged() throws Exception {
        rawVolume(2);
        String before = sha(volFile);
        Files.createSymbolicLink(tmp.resolve("to-volume"), volFile);
        Result own = bash(v + " export " + VOL + " raw+size " + q(volFile));
        assertOneErrorLine(own, "volport: export of " + VOL + ": refusing to write into '" + volFile
                + "', the volume's own file");
        Result viaLink = bash(v + " export " + VOL + " raw+size " + q(tmp.resolve("to-volume")));
        assertOneErrorLine(viaLink, "volport: export of " + VOL + ": refusing to write into '" + volFile
                + "', the volume's own file");
        Path other = tmp.resolve("src/images/100/copy.raw");
        Result inside = bash(v + " export " + VOL + " raw+size " + q(other));
        assertOneErrorLine(inside, "volport: export of " + VOL + ": refusing to write into '" + other
                + "', a path of storage 'src'");
        Files.createDirectories(tmp.resolve("dst/images"));
        Path dst = tmp.resolve("dst/images/x.raw");
        Result otherStorage = bash(v + " export " + VOL + " raw+size " + q(dst));
        assertOneErrorLine(otherStorage, "volport: export of " + VOL + ": refusing to write into '" + dst
                + "', a path of storage 'dst'");
        assertThat(sha(volFile)).isEqualTo(before);
        assertThat(other).doesNotExist();
        assertThat(dst).doesNotExist();
        assertNoTempFiles();
    }

    /**
     * A signal while the stream is being written removes the temporary file. The volume is a FIFO nobody writes
     * to: its metadata reads, and the export then waits in opening it, with the temporary file already made.
     */
    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void signalRemovesTheTemporaryFile(String signal) throws Exception {
        Files.createDirectories(volFile.getParent());
        ok(bash("mkfifo " + q(volFile)));
        Path f = precious("f");
        // env resets SIGINT to its default (a test run started in the background inherits it ignored); it execs
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal=INT", Shell.VOLPORT, "--config",
                tmp.resolve("storage.cfg").toString(), "--quiet", "export", VOL, "raw+size", f.toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("log").toFile());
        Process p = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tempFiles().isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(tempFiles()).as(Files.readString(tmp.resolve("log"))).hasSize(1);
        assertThat(bash("kill -" + signal + " " + p.pid()).exit()).isZero();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(Files.readString(f)).isEqualTo("precious\n");
        assertNoTempFiles();
    }

    @Test
    void missingDirectoryIsNamed() throws Exception {
        rawVolume(1);
        Path out = tmp.resolve("x/out");
        Result r = bash(v + " export " + VOL + " raw+size " + q(out));
        assertOneErrorLine(r, "volport: export of " + VOL + ": cannot create '" + out + "': no such directory '"
                + tmp.resolve("x") + "'");
        assertThat(tmp.resolve("x")).doesNotExist();
    }

    @Test
    void readerClosingTheStreamIsSaidInOneLine() throws Exception {
        ok(bash(v + " alloc src 100 '' 256M"));
        Result r = bash(v + " export " + VOL + " raw+size - | head -c 10 > /dev/null");
        assertOneErrorLine(r, "volport: export of " + VOL + ": the reader closed the stream (broken pipe)");
        assertThat(Files.exists(volFile, LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
