package dev.volport.storage.dir;

import dev.volport.storage.Staging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.volume.DiskFormat;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash leftovers are recognised by their locks alone: a staging object whose lock another process (or another
 * import in this JVM) holds is kept, one whose lock can be taken is removed with its lock file and reported, and
 * nothing that merely does not look like volport's is ever touched.
 */
class StagingTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    private final Linux linux = Linux.system();
    private final List<Process> holders = new ArrayList<>();
    private DirStorage storage;
    private Path guest;

    @BeforeEach
    void setUp() throws IOException {
        storage = DirStorageTest.open(tmp.resolve("store"), "shared1", new PrintStream(warnings, true),
                "shared", "1");
        storage.alloc(100, Optional.empty(), DiskFormat.RAW, 4);
        guest = tmp.resolve("store/images/100");
    }

    @AfterEach
    void stopHolders() throws InterruptedException {
        for (Process p : holders) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts a {@link LockHolder} JVM and returns the staging object it created and locked. */
    private Path holder(Process[] out, String kind, String finalName) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), LockHolder.class.getName(), kind, guest.toString(), finalName)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        holders.add(p);
        out[0] = p;
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertThat(line).as("the lock holder started").isNotNull();
        return Path.of(line);
    }

    private static void end(Process p) throws Exception {
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }

    private List<String> volumes() throws IOException {
        return storage.list(OptionalInt.empty()).stream().map(v -> v.volid().volName()).toList();
    }

    @Test
    void aFileLockedByAnotherProcessIsKeptUntilThatProcessDies() throws Exception {
        Process[] p = new Process[1];
        Path staged = holder(p, "file", "vm-100-disk-1.raw");
        assertThat(staged.getFileName().toString()).matches("\\.volport-staging\\.[0-9a-f]{16}\\.vm-100-disk-1\\.raw");
        assertThat(volumes()).containsExactly("100/vm-100-disk-0.raw");
        assertThat(staged).exists();
        // the name stays reserved while its import runs
        assertThat(storage.alloc(100, Optional.empty(), DiskFormat.RAW, 4).volName())
                .isEqualTo("100/vm-100-disk-2.raw");
        assertThat(warnings.toString()).doesNotContain("removed");

        end(p[0]);
        assertThat(staged).exists();
        assertThat(volumes()).containsExactly("100/vm-100-disk-0.raw", "100/vm-100-disk-2.raw");
        assertThat(staged).doesNotExist();
        assertThat(warnings.toString()).contains("volport: removed '" + staged + "', left by an interrupted import");
    }

    @Test
    void aDirectoryWhoseLockFileIsHeldIsKeptThenRemovedWithItsLockFile() throws Exception {
        Process[] p = new Process[1];
        Path staged = holder(p, "dir", "subvol-100-disk-1.subvol");
        Path lockFile = staged.resolveSibling(staged.getFileName().toString()
                .replace(".volport-staging.", ".volport-lock."));
        Files.writeString(staged.resolve("etc-hostname"), "ct100");
        assertThat(lockFile).isRegularFile();
        volumes();
        assertThat(staged.resolve("etc-hostname")).exists();

        end(p[0]);
        volumes();
        assertThat(staged).doesNotExist();
        assertThat(lockFile).doesNotExist();
        assertThat(warnings.toString()).contains("removed '" + staged + "'");
    }

    @Test
    void aLockHeldInThisJvmIsRespectedToo() throws Exception {
        try (Staging a = Staging.createFile(linux, guest, "vm-100-disk-3.raw");
             Staging b = Staging.createFile(linux, guest, "vm-100-disk-3.raw")) {
            // two imports of one name (two hosts with the same pid, say) never share a staging name
            assertThat(a.path()).isNotEqualTo(b.path());
            assertThat(DirLayout.takenNames(guest)).filteredOn("vm-100-disk-3.raw"::equals).hasSize(2);
            volumes();
            assertThat(a.path()).exists();
            assertThat(b.path()).exists();
        }
        try (var files = Files.list(guest)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactly("vm-100-disk-0.raw");
        }
    }

    @Test
    void aLockedLeftoverNamingADeadProcessIsKept() throws Exception {
        // what another host's import looks like from here: its process id means nothing on this host
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        Path foreign = guest.resolve(".volport-staging." + dead.pid() + ".vm-100-disk-4.raw");
        try (LinuxCalls.OfdLock held = linux.createLocked(foreign)) {
            volumes();
            assertThat(foreign).exists();
        }
        volumes();
        assertThat(foreign).doesNotExist();
    }

    @Test
    void unlockedLeftoversAreRemovedWhateverTheirNameSaysAboutProcesses() throws Exception {
        // a process-id name of an earlier version, naming a process that is alive (this one): no lock, so a leftover
        Path oldStyle = guest.resolve(".volport-staging." + ProcessHandle.current().pid() + ".vm-100-disk-5.raw");
        Files.writeString(oldStyle, "half an import");
        Path dirWithLock = guest.resolve(".volport-staging.00aa00aa00aa00aa.subvol-100-disk-6.subvol");
        Files.createDirectories(dirWithLock.resolve("usr/bin"));
        Path itsLock = guest.resolve(".volport-lock.00aa00aa00aa00aa.subvol-100-disk-6.subvol");
        Files.writeString(itsLock, "");
        Path dirWithoutLock = guest.resolve(".volport-staging.00bb00bb00bb00bb.subvol-100-disk-7.subvol");
        Files.createDirectories(dirWithoutLock);
        Path orphanLock = guest.resolve(".volport-lock.00cc00cc00cc00cc.subvol-100-disk-8.subvol");
        Files.writeString(orphanLock, "");

        assertThat(volumes()).containsExactly("100/vm-100-disk-0.raw");
        for (Path p : List.of(oldStyle, dirWithLock, itsLock, dirWithoutLock, orphanLock)) {
            assertThat(p).as(p.getFileName().toString()).doesNotExist();
        }
        assertThat(warnings.toString().lines().filter(l -> l.contains("left by an interrupted import")))
                .hasSize(4);
    }

    @Test
    void whatIsNotVolportsIsNeverTouched() throws Exception {
        Path target = tmp.resolve("precious");
        Files.writeString(target, "keep me");
        List<Path> strangers = List.of(guest.resolve("notes.txt"), guest.resolve(".hidden"),
                guest.resolve("vm-100-disk-9.raw.part"), guest.resolve(".volport-stagingX.vm-100-disk-1.raw"),
                guest.resolve(".volport-staging.not-hex.vm-100-disk-1.raw"), guest.resolve(".volport-staging."),
                tmp.resolve("store/images/.volport-staging.abc.vm-100-disk-1.raw"));
        for (Path p : strangers) {
            Files.writeString(p, "not volport's");
        }
        Path link = guest.resolve(".volport-staging.abcd.vm-100-disk-4.raw");
        Files.createSymbolicLink(link, target);
        Path fifo = guest.resolve(".volport-staging.abce.vm-100-disk-6.raw");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        volumes();
        storage.alloc(100, Optional.empty(), DiskFormat.RAW, 4);

        for (Path p : strangers) {
            assertThat(p).as(p.toString()).hasContent("not volport's");
        }
        assertThat(link).isSymbolicLink();
        assertThat(target).hasContent("keep me");
        assertThat(fifo).exists();
        assertThat(warnings.toString()).doesNotContain("removed");
    }
}
