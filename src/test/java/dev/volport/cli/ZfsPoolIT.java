package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.storage.zfs.ZfsTestPool;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * zfspool through the launcher with real zfs-fuse pools: the reference's own command lines
 * ({@code pvesm export STORE:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot S} piped into the import), the
 * refusal of an export without a snapshot, and a dataset copied into a dir storage as {@code tar+size}.
 */
// Never beside another class that uses zfs-fuse: under two classes' pools zfs-fuse kept datasets busy past this
// test's waits (the lock they share, dev.volport.faults.FaultWorldTest.LOCK).
@ResourceLock("volport-zfs-fuse")
class ZfsPoolIT {
    @TempDir
    Path tmp;
    ZfsTestPool a;
    ZfsTestPool b;
    String v;

    @BeforeEach
    void setUp() throws Exception {
        a = ZfsTestPool.create(tmp.resolve("a"));
        b = ZfsTestPool.create(tmp.resolve("b"));
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, """
                zfspool: za
                \tpool %s
                \tcontent rootdir

                zfspool: zb
                \tpool %s
                \tcontent rootdir

                dir: dd
                \tpath %s
                """.formatted(a.name(), b.name(), tmp.resolve("dir")));
        v = Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
        ZfsTestPool.zfs("create", a.name() + "/subvol-100-disk-0");
        Files.writeString(a.mountpoint().resolve("subvol-100-disk-0/hello"), "hello from zfs\n");
        ZfsTestPool.zfs("snapshot", a.name() + "/subvol-100-disk-0@S");
    }

    @AfterEach
    void tearDown() throws Exception {
        try (ZfsTestPool x = a; ZfsTestPool y = b) {
            // both destroyed, even if one fails
        }
    }

    @Test
    void theReferenceCommandLinesMoveADatasetWithItsSnapshots() throws Exception {
        Result r = bash(v + " export za:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot S | " + v
                + " import zb:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot S -allow-rename 0");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'zb:subvol-100-disk-0'\n");
        assertThat(Files.readString(b.mountpoint().resolve("subvol-100-disk-0/hello"))).isEqualTo("hello from zfs\n");
        assertThat(b.all()).contains(b.name() + "/subvol-100-disk-0@S");
        Result listed = bash(v + " list zb");
        assertThat(listed.out()).contains("zb:subvol-100-disk-0");
    }

    @Test
    void theMigrationSnapshotIsRemovedOnTheTargetWithDeleteSnapshot() throws Exception {
        ZfsTestPool.zfs("snapshot", a.name() + "/subvol-100-disk-0@__migration__");
        Result r = bash(v + " export za:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot __migration__ | " + v
                + " import zb:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot __migration__"
                + " -delete-snapshot __migration__ -allow-rename 1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'zb:subvol-100-disk-0'\n");
        assertThat(b.all()).contains(b.name() + "/subvol-100-disk-0@S")
                .doesNotContain(b.name() + "/subvol-100-disk-0@__migration__");
        assertThat(a.all()).contains(a.name() + "/subvol-100-disk-0@__migration__");
    }

    @Test
    void anExportWithoutASnapshotIsRefusedInOneLine() throws Exception {
        Result r = bash(v + " export za:subvol-100-disk-0 zfs - -with-snapshots 1 > /dev/null");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: ").contains("zfspool storage can only export snapshots");
    }

    @Test
    void aKilledImportLeavesOnlyAStagingDatasetThatTheNextImportRemoves() throws Exception {
        Path big = a.mountpoint().resolve("subvol-100-disk-0/big");
        byte[] data = new byte[8 << 20];
        new java.util.Random(1).nextBytes(data);
        Files.write(big, data);
        ZfsTestPool.zfs("snapshot", a.name() + "/subvol-100-disk-0@T");
        Path stream = tmp.resolve("stream.zfs");
        Result exported = bash(v + " export za:subvol-100-disk-0 zfs " + q(stream) + " -with-snapshots 1 -snapshot T");
        assertThat(exported.exit()).as(exported.err()).isZero();
        // half of the stream (snapshot S is complete in it), then nothing: SIGKILL while it waits
        Result killed = bash("{ head -c " + Files.size(stream) / 2 + " " + q(stream) + "; sleep 60; } | " + v
                + " import zb:subvol-100-disk-0 zfs - -with-snapshots 1 -snapshot T & pid=$!\n"
                + "for i in $(seq 100); do zfs list -H -o name -r " + b.name() + " | grep -q volport-import- && break;"
                + " sleep 0.2; done\n"
                + "sleep 1; pkill -KILL -P $$ -f 'volport.jar|bin/java' ; kill -KILL $pid; wait $pid; echo killed=$?\n"
                // zfs recv read volport's stdin itself; while the writer still sleeps, it must die with volport
                // (setpriv --pdeathsig KILL) rather than go on receiving
                + "for i in $(seq 50); do pgrep -f '[r]ecv -F -- " + b.name() + "/volport-import-' >/dev/null"
                + " || { echo orphans=none; exit 0; }; sleep 0.1; done; pgrep -fa '[r]ecv -F -- " + b.name() + "/'");
        assertThat(killed.out()).contains("killed=137").contains("orphans=none");
        assertThat(b.all()).anyMatch(n -> n.startsWith(b.name() + "/volport-import-"))
                .noneMatch(n -> n.startsWith(b.name() + "/subvol-100-disk-0"));

        Result again = bash(v + " import zb:subvol-100-disk-0 zfs " + q(stream) + " -with-snapshots 1 -snapshot T");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(again.err()).contains("left by an interrupted import");
        assertThat(b.all()).noneMatch(n -> n.contains("volport-import-"));
        assertThat(Files.readAllBytes(b.mountpoint().resolve("subvol-100-disk-0/big"))).isEqualTo(data);
    }

    @Test
    void aDatasetGoesToADirStorageAsTarSize() throws Exception {
        Result formats = bash(v + " export-formats za:subvol-100-disk-0");
        assertThat(formats.out()).isEqualTo("zfs\ntar+size\n");
        Result r = bash(v + " export za:subvol-100-disk-0 tar+size - -snapshot S | " + v
                + " import dd:100/subvol-100-disk-0.subvol tar+size - -with-snapshots 0");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(tmp.resolve("dir/images/100/subvol-100-disk-0.subvol/hello")))
                .isEqualTo("hello from zfs\n");
        assertThat(a.all()).noneMatch(n -> n.contains("volport-"));
    }
}
