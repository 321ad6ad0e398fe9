package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshot}, {@code snapshots}, {@code rollback} and {@code delsnapshot} on a dir storage's qcow2 volumes,
 * driven through the launcher, with {@code qemu-img}/{@code qemu-io} as the oracle for what the image holds; and
 * snapshots taken this way travelling in {@code --snapshot} and {@code --with-snapshots} exports.
 */
class SnapshotIT {
    private static final String VOL = "src:100/vm-100-disk-0.qcow2";

    @TempDir
    Path tmp;
    String v;
    Path img;

    @BeforeEach
    void volume() throws Exception {
        v = Shell.twoDirStorages(tmp);
        ok(bash(v + " alloc src 100 vm-100-disk-0.qcow2 32M"));
        img = file("src", "100/vm-100-disk-0.qcow2");
    }

    private Path file(String store, String volname) {
        return tmp.resolve(store).resolve("images").resolve(volname);
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    private void write(int pattern, String offset, String length) throws Exception {
        ok(bash("qemu-io -f qcow2 -c 'write -P " + pattern + " " + offset + " " + length + "' " + q(img)));
    }

    /** The guest content of the image's current state ({@code snap} empty) or of a snapshot, via qemu-img. */
    private String qemuRaw(Path image, String snap) throws Exception {
        Path out = Files.createTempFile(tmp, "ref", ".raw");
        Files.delete(out);
        ok(bash("qemu-img convert -f qcow2 -O raw " + (snap.isEmpty() ? "" : "-l snapshot.name=" + snap + " ")
                + q(image) + " " + q(out)));
        return ok(bash("sha256sum < " + q(out))).split(" ")[0];
    }

    @Test
    void createListRollbackDeleteAsQemuSeesThem() throws Exception {
        write(0x11, "0", "3M");
        String atOne = qemuRaw(img, "");
        assertThat(ok(bash(v + " snapshot " + VOL + " one"))).isEmpty();
        write(0x22, "1M", "5M");
        String atTwo = qemuRaw(img, "");
        ok(bash(v + " snapshot " + VOL + " Two_2"));
        write(0x33, "20M", "1M");

        assertThat(ok(bash(v + " snapshots " + VOL))).isEqualTo("one\nTwo_2\n");
        assertThat(ok(bash(v + " snapshots " + VOL + " --output json"))).isEqualTo("[\"one\",\"Two_2\"]\n");
        assertThat(ok(bash("qemu-img snapshot -l " + q(img)))).contains(" one ", " Two_2 ");
        assertThat(qemuRaw(img, "one")).isEqualTo(atOne);
        assertThat(qemuRaw(img, "Two_2")).isEqualTo(atTwo);
        ok(bash("qemu-img check -f qcow2 " + q(img)));

        // rollback to the older snapshot: allowed on dir (not only the latest), and the later one stays
        assertThat(ok(bash(v + " rollback " + VOL + " one"))).isEmpty();
        assertThat(qemuRaw(img, "")).isEqualTo(atOne);
        assertThat(qemuRaw(img, "Two_2")).isEqualTo(atTwo);
        ok(bash("qemu-img check -f qcow2 " + q(img)));

        assertThat(ok(bash(v + " delsnapshot " + VOL + " one"))).isEmpty();
        assertThat(ok(bash(v + " snapshots " + VOL))).isEqualTo("Two_2\n");
        assertThat(qemuRaw(img, "")).isEqualTo(atOne);
        String check = ok(bash("qemu-img check -f qcow2 " + q(img)));
        assertThat(check).contains("No errors were found").doesNotContain("leaked");
    }

    @Test
    void refusalsSayWhatAndWhyAndChangeNothing() throws Exception {
        ok(bash(v + " snapshot " + VOL + " one"));
        byte[] before = Files.readAllBytes(img);
        Result dup = bash(v + " snapshot " + VOL + " one");
        assertThat(dup.exit()).isEqualTo(1);
        assertThat(dup.err()).isEqualTo("volport: snapshot 'one' of " + VOL + ": a snapshot of that name exists"
                + " already\n");
        Result missing = bash(v + " rollback " + VOL + " nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("volport: rollback 'nope' of " + VOL + ": no snapshot of that name\n");
        Result delMissing = bash(v + " delsnapshot " + VOL + " 1"); // QEMU's id of 'one' is not a name
        assertThat(delMissing.exit()).isEqualTo(1);
        assertThat(delMissing.errLines()).hasSize(1);
        Result badName = bash(v + " snapshot " + VOL + " 'a b'");
        assertThat(badName.exit()).isEqualTo(2);
        assertThat(badName.err()).startsWith("volport: invalid snapshot name 'a b'");
        Result noVolume = bash(v + " snapshot src:100/vm-100-disk-7.qcow2 x");
        assertThat(noVolume.exit()).isEqualTo(1);
        assertThat(noVolume.err()).startsWith("volport: snapshot 'x' of src:100/vm-100-disk-7.qcow2 failed: volume"
                + " does not exist");
        assertThat(Files.readAllBytes(img)).isEqualTo(before);

        ok(bash(v + " alloc src 100 vm-100-disk-1.raw 1M && " + v + " alloc src 100 vm-100-disk-2.vmdk 1M && " + v
                + " alloc src 100 subvol-100-disk-3.subvol 0"));
        String[][] refused = {
            {"snapshot", "can't snapshot this image format"},
            {"delsnapshot", "can't delete snapshot for this image format"},
            {"rollback", "can't rollback snapshot this image format"}};
        for (String vol : new String[] {"100/vm-100-disk-1.raw", "100/vm-100-disk-2.vmdk",
            "100/subvol-100-disk-3.subvol"}) {
            for (String[] r : refused) {
                Result res = bash(v + " " + r[0] + " src:" + vol + " s");
                assertThat(res.exit()).as(vol + " " + r[0]).isEqualTo(1);
                assertThat(res.errLines()).hasSize(1);
                assertThat(res.err()).startsWith("volport: ").contains("src:" + vol, r[1]);
            }
            assertThat(ok(bash(v + " snapshots src:" + vol))).isEmpty();
        }
    }

    @Test
    void snapshotsTakenByVolportExportAndTravel() throws Exception {
        write(0x41, "0", "2M");
        ok(bash(v + " snapshot " + VOL + " base"));
        write(0x42, "512k", "4M");
        String atBase = qemuRaw(img, "base");
        String current = qemuRaw(img, "");
        assertThat(atBase).isNotEqualTo(current);

        String got = ok(bash(v + " export " + VOL + " raw+size - --snapshot base | tail -c +9 | sha256sum"));
        assertThat(got.split(" ")[0]).isEqualTo(atBase);

        String dst = "dst:100/vm-100-disk-0.qcow2";
        assertThat(ok(bash(v + " export " + VOL + " qcow2+size - --with-snapshots 1 | " + v + " import " + dst
                + " qcow2+size - --with-snapshots 1"))).isEqualTo("successfully imported '" + dst + "'\n");
        Path out = file("dst", "100/vm-100-disk-0.qcow2");
        ok(bash("qemu-img check -f qcow2 " + q(out)));
        assertThat(qemuRaw(out, "base")).isEqualTo(atBase);
        assertThat(qemuRaw(out, "")).isEqualTo(current);
        assertThat(ok(bash(v + " snapshots " + dst))).isEqualTo("base\n");
        // the received copy takes snapshots of its own, and rolls back to the one it carried
        ok(bash(v + " snapshot " + dst + " after && " + v + " rollback " + dst + " base"));
        assertThat(qemuRaw(out, "")).isEqualTo(atBase);
    }

    @Test
    void aVolumeBeingExportedIsNotChangedUnderTheReader() throws Exception {
        write(0x51, "0", "24M");
        Path gate = tmp.resolve("gate");
        Path stream = tmp.resolve("stream");
        // the export blocks on a full pipe until the gate opens; meanwhile it holds its shared lock on the image
        Result r = bash("mkfifo " + q(gate) + "\n"
                + v + " export " + VOL + " qcow2+size - --with-snapshots 1 | { read -r _ < " + q(gate) + "; cat > "
                + q(stream) + "; } >/dev/null 2>&1 &\n"
                + "ino=$(stat -c %i " + q(img) + ")\n"
                + "for i in $(seq 200); do grep -qE \"OFDLCK +ADVISORY +READ .*:$ino \" /proc/locks && break;"
                + " sleep 0.1; done\n"
                + "grep -qE \"OFDLCK +ADVISORY +READ .*:$ino \" /proc/locks || { echo 'export never locked' >&2; exit 9; }\n"
                + v + " snapshot " + VOL + " during; echo \"during=$?\"\n"
                + "echo go > " + q(gate) + "; wait\n"
                + v + " snapshot " + VOL + " after; echo \"after=$?\"\n", 120);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("during=1", "after=0");
        assertThat(r.errLines()).containsExactly("volport: snapshot 'during' of " + VOL + " failed: the image is in"
                + " use (being exported, or open in QEMU or another program)");
        assertThat(ok(bash(v + " snapshots " + VOL))).isEqualTo("after\n");
        // the stream sent while the snapshot was refused is the image as it was before it
        Path received = file("dst", "100/vm-100-disk-0.qcow2");
        ok(bash(v + " import dst:100/vm-100-disk-0.qcow2 qcow2+size " + q(stream) + " --with-snapshots 1"));
        assertThat(qemuRaw(received, "")).isEqualTo(qemuRaw(img, ""));
        assertThat(ok(bash("qemu-img snapshot -l " + q(received)))).doesNotContain("during", "after");
    }
}
