package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * btrfs storages through {@code bin/volport}, on two real btrfs filesystems: {@code export … btrfs - | import …
 * btrfs -} with snapshots, an incremental stream on top, allow-rename on a collision, a cut stream that leaves
 * nothing, the format lists, {@code copy} to a dir storage (negotiated {@code raw+size}), and {@code copy} to a
 * btrfs storage on the same filesystem (a snapshot, no stream).
 */
class BtrfsIT {
    @RegisterExtension
    static final BtrfsLoop FS1 = new BtrfsLoop();
    @RegisterExtension
    static final BtrfsLoop FS2 = new BtrfsLoop();

    @TempDir
    Path tmp;
    private String v;
    private Path one;
    private Path two;
    private Path three;

    @BeforeEach
    void setUp() throws Exception {
        one = FS1.freshDirectory("one");
        two = FS2.freshDirectory("two");
        three = FS1.freshDirectory("three");
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "btrfs: one\n\tpath " + one + "\n\tcontent images,rootdir\n\n"
                + "btrfs: two\n\tpath " + two + "\n\tcontent images,rootdir\n\n"
                + "btrfs: three\n\tpath " + three + "\n\tcontent images,rootdir\n\n"
                + "dir: plain\n\tpath " + tmp.resolve("plain") + "\n\tcontent images\n");
        v = Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
        Result alloc = bash(v + " alloc one 100 vm-100-disk-0.raw 64M");
        assertThat(alloc.out()).as(alloc.err()).isEqualTo("successfully created 'one:100/vm-100-disk-0.raw'\n");
    }

    /** Writes 4 MiB of random data at MiB {@code mib} of the disk, then takes read-only snapshot {@code snap}. */
    private void writeAndSnapshot(int mib, String snap) throws Exception {
        Path dir = one.resolve("images/100");
        Result r = bash("head -c 4M /dev/urandom | dd of=" + q(dir.resolve("vm-100-disk-0/disk.raw"))
                + " bs=1M seek=" + mib + " conv=notrunc status=none && btrfs -q subvolume snapshot -r "
                + q(dir.resolve("vm-100-disk-0")) + " " + q(dir.resolve("vm-100-disk-0@" + snap)));
        assertThat(r.exit()).as(r.err()).isZero();
    }

    private String sha(Path p) throws Exception {
        return bash("sha256sum < " + q(p)).out();
    }

    @Test
    void aSendStreamWithSnapshotsThenAnIncrementalOneThroughThePipe() throws Exception {
        writeAndSnapshot(0, "s1");
        writeAndSnapshot(8, "s2");
        Result formats = bash(v + " export-formats one:100/vm-100-disk-0.raw --snapshot s2 --with-snapshots 1"
                + " && " + v + " import-formats two:100/vm-100-disk-0.raw --snapshot s2");
        assertThat(formats.out()).as(formats.err()).isEqualTo("btrfs\nbtrfs\nraw+sparse\nraw+size\n");

        Result full = bash(v + " export one:100/vm-100-disk-0.raw btrfs - --snapshot s2 --with-snapshots 1 | " + v
                + " import two:100/vm-100-disk-0.raw btrfs - --snapshot s2 --with-snapshots 1");
        assertThat(full.exit()).as(full.err()).isZero();
        assertThat(full.out()).isEqualTo("successfully imported 'two:100/vm-100-disk-0.raw'\n");
        Path src = one.resolve("images/100/vm-100-disk-0/disk.raw");
        assertThat(sha(two.resolve("images/100/vm-100-disk-0/disk.raw"))).isEqualTo(sha(src));
        assertThat(two.resolve("images/100/vm-100-disk-0@s1")).isDirectory();

        writeAndSnapshot(32, "s3");
        Result incr = bash(v + " export one:100/vm-100-disk-0.raw btrfs - --snapshot s3 --base s2 | tee "
                + q(tmp.resolve("incr.bin")) + " | " + v
                + " import two:100/vm-100-disk-0.raw btrfs - --snapshot s3 --base s2");
        assertThat(incr.exit()).as(incr.err()).isZero();
        assertThat(Files.size(tmp.resolve("incr.bin"))).isBetween(4L << 20, 6L << 20);
        assertThat(sha(two.resolve("images/100/vm-100-disk-0/disk.raw"))).isEqualTo(sha(src));
        Result listed = bash(v + " info two:100/vm-100-disk-0.raw --output json");
        assertThat(listed.out()).as(listed.err()).contains("\"snapshots\":[\"s1\",\"s2\",\"s3\"]");
    }

    @Test
    void allowRenameTakesTheNextFreeNameAndACutStreamLeavesNothing() throws Exception {
        writeAndSnapshot(0, "m");
        Result stream = bash(v + " export one:100/vm-100-disk-0.raw btrfs " + q(tmp.resolve("s.btrfs"))
                + " --snapshot m");
        assertThat(stream.exit()).as(stream.err()).isZero();
        Result taken = bash(v + " alloc two 100 vm-100-disk-0.raw 1M");
        assertThat(taken.exit()).as(taken.err()).isZero();

        Result refused = bash(v + " import two:100/vm-100-disk-0.raw btrfs " + q(tmp.resolve("s.btrfs"))
                + " --snapshot m");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.errLines()).hasSize(1);
        assertThat(refused.err()).startsWith("volport: ").contains("two:100/vm-100-disk-0.raw", "already exists");
        Result renamed = bash(v + " import two:100/vm-100-disk-0.raw btrfs " + q(tmp.resolve("s.btrfs"))
                + " --snapshot m --allow-rename 1");
        assertThat(renamed.out()).as(renamed.err()).isEqualTo("successfully imported 'two:100/vm-100-disk-1.raw'\n");
        assertThat(sha(two.resolve("images/100/vm-100-disk-1/disk.raw")))
                .isEqualTo(sha(one.resolve("images/100/vm-100-disk-0/disk.raw")));

        Result cut = bash("head -c 100000 " + q(tmp.resolve("s.btrfs")) + " | " + v
                + " import two:100/vm-100-disk-7.raw btrfs - --snapshot m");
        assertThat(cut.exit()).isEqualTo(1);
        assertThat(cut.errLines()).hasSize(1);
        assertThat(cut.err()).startsWith("volport: import into two:100/vm-100-disk-7.raw failed: ");
        try (Stream<Path> left = Files.list(two.resolve("images/100"))) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("vm-100-disk-0", "vm-100-disk-1", "vm-100-disk-1@m");
        }
    }

    @Test
    void copyToADirStorageNegotiatesRawSize() throws Exception {
        writeAndSnapshot(4, "c");
        Result r = bash(v + " copy one:100/vm-100-disk-0.raw plain:100/vm-100-disk-0.raw");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'plain:100/vm-100-disk-0.raw'\n");
        assertThat(sha(tmp.resolve("plain/images/100/vm-100-disk-0.raw")))
                .isEqualTo(sha(one.resolve("images/100/vm-100-disk-0/disk.raw")));
    }

    @Test
    void copyOnOneFilesystemIsASnapshotAndToAnotherOneAStream() throws Exception {
        writeAndSnapshot(2, "base");
        Path src = one.resolve("images/100/vm-100-disk-0");
        Result same = bash(v.replace(" --quiet", "")
                + " --progress none copy one:100/vm-100-disk-0.raw three:100/vm-100-disk-0.raw");
        assertThat(same.exit()).as(same.err()).isZero();
        assertThat(same.out()).isEqualTo("successfully imported 'three:100/vm-100-disk-0.raw'\n");
        assertThat(same.err()).contains("a snapshot on the same btrfs filesystem (nothing copied)");
        Path copy = three.resolve("images/100/vm-100-disk-0");
        assertThat(sha(copy.resolve("disk.raw"))).isEqualTo(sha(src.resolve("disk.raw")));
        Result uuids = bash("btrfs subvolume show " + q(src) + " | sed -n 's/^[[:space:]]*UUID:[[:space:]]*//p';"
                + " btrfs subvolume show " + q(copy) + " | sed -n 's/^[[:space:]]*Parent UUID:[[:space:]]*//p'");
        assertThat(uuids.out().lines().distinct()).as("the copy is a snapshot of the source: " + uuids.out())
                .hasSize(1);

        Result again = bash(v + " copy one:100/vm-100-disk-0.raw three:100/vm-100-disk-0.raw --snapshot base"
                + " --allow-rename 1");
        assertThat(again.out()).as(again.err()).isEqualTo("successfully imported 'three:100/vm-100-disk-1.raw'\n");
        assertThat(sha(three.resolve("images/100/vm-100-disk-1/disk.raw")))
                .isEqualTo(sha(one.resolve("images/100/vm-100-disk-0@base/disk.raw")));

        Result other = bash(v.replace(" --quiet", "") + " --progress none copy one:100/vm-100-disk-0.raw"
                + " two:100/vm-100-disk-0.raw");
        assertThat(other.out()).as(other.err()).isEqualTo("successfully imported 'two:100/vm-100-disk-0.raw'\n");
        assertThat(other.err()).doesNotContain("snapshot");
        assertThat(sha(two.resolve("images/100/vm-100-disk-0/disk.raw"))).isEqualTo(sha(src.resolve("disk.raw")));
    }

    /**
     * ISOs, templates, backups, snippets and import files on a btrfs storage are plain files laid out as on a dir
     * storage (the reference's btrfs plugin inherits them): import, list, info, path, export and free work on them.
     */
    @Test
    void fileContentTypesLiveAsOnADirStorage() throws Exception {
        Path cfg = tmp.resolve("files.cfg");
        Files.writeString(cfg, "btrfs: one\n\tpath " + one + "\n\tcontent images,rootdir,iso,vztmpl,backup,snippets\n");
        String w = Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
        Files.write(tmp.resolve("boot.iso"), new byte[6000]);
        Result imported = bash("{ perl -e 'print pack(\"Q<\", 6000)'; cat " + q(tmp.resolve("boot.iso")) + "; } | "
                + w + " import one:iso/boot.iso raw+size -");
        assertThat(imported.out()).as(imported.err()).isEqualTo("successfully imported 'one:iso/boot.iso'\n");
        assertThat(one.resolve("template/iso/boot.iso")).isRegularFile().hasSize(6000);
        Files.createDirectories(one.resolve("dump"));
        Files.write(one.resolve("dump/vzdump-qemu-100-2024_05_06-07_08_09.vma.zst"), new byte[10]);

        Result list = bash(w + " list one");
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).containsPattern("one:100/vm-100-disk-0.raw\\s+raw\\s+images")
                .containsPattern("one:iso/boot.iso\\s+iso\\s+iso\\s+6000")
                .containsPattern("one:backup/vzdump-qemu-100-2024_05_06-07_08_09.vma.zst\\s+vma.zst\\s+backup");
        assertThat(bash(w + " list one --content iso").out().lines().skip(1)).hasSize(1);
        assertThat(bash(w + " path one:iso/boot.iso").out().strip())
                .isEqualTo(one.resolve("template/iso/boot.iso").toString());
        Result exported = bash(w + " export one:iso/boot.iso raw+size - | tail -c +9 | cmp - " + q(tmp.resolve("boot.iso")));
        assertThat(exported.exit()).as(exported.err()).isZero();
        Result free = bash(w + " free one:iso/boot.iso");
        assertThat(free.out()).as(free.err()).contains("Removed volume 'one:iso/boot.iso'");
        assertThat(one.resolve("template/iso/boot.iso")).doesNotExist();
        assertThat(one.resolve("images/100/vm-100-disk-0/disk.raw")).isRegularFile();
    }
}
