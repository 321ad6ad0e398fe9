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
 * {@code volport checksum} of a btrfs storage's raw disks, current state and snapshot, on a real btrfs: the same
 * content digest as the dir volume it was copied from, and a subvolume refused as not a disk image. (Found by the
 * fault suite, which had to hash btrfs volumes itself.)
 */
class BtrfsChecksumIT {
    @RegisterExtension
    static final BtrfsLoop BTRFS = new BtrfsLoop();

    @TempDir
    Path tmp;

    private static String digest(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out().split("\\s+")[0];
    }

    @Test
    void rawDisksAndTheirSnapshotsHaveTheContentDigestOfTheirSource() throws Exception {
        Path bt = BTRFS.freshDirectory("checksum");
        Files.writeString(tmp.resolve("storage.cfg"), "dir: src\n\tpath " + tmp.resolve("src") + "\n\nbtrfs: bt\n\tpath "
                + bt + "\n\tcontent images,rootdir\n");
        String v = Shell.VOLPORT + " --config " + q(tmp.resolve("storage.cfg")) + " --quiet";
        assertThat(bash(v + " alloc src 100 vm-100-disk-0.raw 8M && head -c 3M /dev/urandom | dd of="
                + q(tmp.resolve("src/images/100/vm-100-disk-0.raw")) + " bs=1M seek=2 conv=notrunc status=none").exit())
                .isZero();
        String source = digest(bash(v + " checksum src:100/vm-100-disk-0.raw"));
        assertThat(bash(v + " export src:100/vm-100-disk-0.raw raw+size - | " + v
                + " import bt:100/vm-100-disk-0.raw raw+size -").exit()).isZero();
        assertThat(digest(bash(v + " checksum bt:100/vm-100-disk-0.raw"))).isEqualTo(source);

        assertThat(bash(v + " snapshot bt:100/vm-100-disk-0.raw before").exit()).isZero();
        assertThat(bash("head -c 1M /dev/urandom | dd of=" + q(bt.resolve("images/100/vm-100-disk-0/disk.raw"))
                + " conv=notrunc status=none").exit()).isZero();
        assertThat(digest(bash(v + " checksum bt:100/vm-100-disk-0.raw"))).isNotEqualTo(source);
        assertThat(digest(bash(v + " checksum bt:100/vm-100-disk-0.raw --snapshot before"))).isEqualTo(source);

        Result missing = bash(v + " checksum bt:100/vm-100-disk-0.raw --snapshot nope");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).startsWith("volport: ").contains("no snapshot 'nope'");
        assertThat(bash(v + " alloc bt 101 subvol-101-disk-0.subvol 0").exit()).isZero();
        Result subvol = bash(v + " checksum bt:101/subvol-101-disk-0.subvol");
        assertThat(subvol.exit()).isEqualTo(1);
        assertThat(subvol.err()).contains("is not a disk image");
    }
}
