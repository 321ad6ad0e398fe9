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
import dev.volport.format.qcow2.Qcow2Snapshots;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.time.Instant;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional snapshot interface on {@code dir}: qcow2 internal snapshots listed and written, other formats refused. */
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
    void qcow2SnapshotsAreListedOldestFirstWrittenWithTheirDateAndRefusedForRaw() throws Exception {
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
        Instant at = Instant.parse("2030-01-02T03:04:05Z");
        Snapshots clocked = new DirSnapshots(storage, () -> at);
        clocked.create(qcow2, new SnapshotName("third"));
        assertThat(snapshots.list(qcow2)).containsExactly("first", "second", "third");
        try (FileChannel ch = FileChannel.open(image)) {
            assertThat(new Qcow2Snapshots(ch, "x").list().getLast().date()).isEqualTo(at);
        }
        VolumeName raw = storage.parseName("100/vm-100-disk-1.raw");
        byte[] before = Files.readAllBytes(dir.resolve("vm-100-disk-1.raw"));
        assertThatThrownBy(() -> snapshots.create(raw, new SnapshotName("x")))
                .isInstanceOf(StorageException.class)
                .hasMessage("snapshot of snap:100/vm-100-disk-1.raw: can't snapshot this image format ('raw'; only"
                        + " qcow2 volumes have snapshots on storage type 'dir')");
        assertThat(Files.readAllBytes(dir.resolve("vm-100-disk-1.raw"))).isEqualTo(before);
        snapshots.rollback(qcow2, new SnapshotName("first"));
        snapshots.delete(qcow2, new SnapshotName("second"));
        assertThat(snapshots.list(qcow2)).containsExactly("first", "third");
        qemuImg("check", "-q", image.toString());
    }
}
