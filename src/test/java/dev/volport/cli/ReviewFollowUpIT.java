package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two findings of the data-safety review: listing a read-only storage with a leftover, and demo --dir LINK. */
class ReviewFollowUpIT {
    @TempDir
    Path tmp;

    @AfterEach
    void unmount() throws Exception {
        bash("mountpoint -q " + q(tmp.resolve("ro")) + " && umount " + q(tmp.resolve("ro")) + "; true");
    }

    @Test
    void aReadOnlyStorageWithALeftoverStillLists() throws Exception {
        Path ro = tmp.resolve("ro");
        Files.createDirectories(ro);
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "dir: ro\n\tpath " + ro + "\n");
        String v = Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
        Path leftover = ro.resolve("images/100/.volport-staging.0123456789abcdef.vm-100-disk-1.raw");
        Result setup = bash("mount -t tmpfs -o size=8m tmpfs " + q(ro) + " && " + v + " alloc ro 100 '' 1M"
                + " && touch " + q(leftover) + " && mount -o remount,ro " + q(ro));
        assertThat(setup.exit()).as(setup.err()).isZero();
        Result r = bash(v + " list ro");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("ro:100/vm-100-disk-0.raw").doesNotContain("staging");
        assertThat(r.err()).contains("not looking for leftovers").contains("read-only file system");
        assertThat(leftover).exists();
    }

    @Test
    void demoThroughASymlinkedDirLeavesItEmpty() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("demo/real"));
        Path link = Files.createSymbolicLink(tmp.resolve("demo/link"), real);
        Result r = bash(Shell.VOLPORT + " demo --dir " + q(link) + " --size 8M");
        assertThat(r.exit()).as(r.err()).isZero();
        try (Stream<Path> s = Files.list(real)) {
            assertThat(s.toList()).isEmpty();
        }
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }
}
