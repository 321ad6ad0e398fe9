package dev.volport.storage.dir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.storage.Snapshots;
import dev.volport.storage.StorageException;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional snapshot interface on {@code dir}: qcow2 internal snapshots listed, writing them refused. */
class DirSnapshotsTest {
    @TempDir
    Path tmp;

    private static void qemuImg(String... args) throws IOException, InterruptedException {
        String[] argv = new String[args.length + 1];
        argv[0] = "qemu-img";
        System.arraycopy(args, 0, argv, 1, args.length);
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();
    }

    @Test
    void qcow2SnapshotsAreListedOldestFirstAndWritingThemIsRefused() throws Exception {
        DirStorage storage = DirStorageTest.open(tmp.resolve("store"), "snap",
                new PrintStream(OutputStream.nullOutputStream()));
        Path dir = Files.createDirectories(tmp.resolve("store/images/100"));
        Path image = dir.resolve("vm-100-disk-0.qcow2");
        qemuImg("create", "-q", "-f", "qcow2", image.toString(), "1M");
        qemuImg("snapshot", "-c", "first", image.toString());
        qemuImg("snapshot", "-c", "second", image.toString());
        qemuImg("create", "-q", "-f", "raw", dir.resolve("vm-100-disk-1.raw").toString(), "1M");

        Snapshots snapshots = storage.snapshots().orElseThrow();
        VolumeName qcow2 = storage.parseName("100/vm-100-disk-0.qcow2");
        assertThat(snapshots.list(qcow2)).containsExactly("first", "second");
        assertThat(snapshots.list(storage.parseName("100/vm-100-disk-1.raw"))).isEmpty();
        byte[] before = Files.readAllBytes(image);
        assertThatThrownBy(() -> snapshots.create(qcow2, new SnapshotName("third")))
                .isInstanceOf(StorageException.class)
                .hasMessage("snapshot create of snap:100/vm-100-disk-0.qcow2 ('third'): not implemented yet for"
                        + " storage type 'dir'");
        assertThatThrownBy(() -> snapshots.rollback(qcow2, new SnapshotName("first")))
                .hasMessageContaining("not implemented yet");
        assertThat(Files.readAllBytes(image)).isEqualTo(before);
    }
}
