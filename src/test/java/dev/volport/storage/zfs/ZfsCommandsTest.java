package dev.volport.storage.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.os.LinuxCalls;
import dev.volport.os.RecordingCommandRunner;
import dev.volport.os.RecordingCommandRunner.Answer;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeNameException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zfspool storage at the argv level, with the recording fake instead of zfs: what zfs-fuse cannot show (zvols:
 * allocation with {@code sparse} and {@code blocksize}, their path and listing; the reference's send/recv flags on
 * an OpenZFS that has them), the probe of the installed zfs, and the name grammar.
 */
class ZfsCommandsTest {
    @TempDir
    Path tmp;

    private static final List<String> FUSE_SEND_USAGE = List.of("missing snapshot argument", "usage:",
            "\tsend [-RDp] [-[iI] snapshot] <snapshot>", "");
    private static final List<String> OPENZFS_SEND_USAGE = List.of("usage:",
            "\tsend [-DLPUbcehnpsVvw] [-i|-I snapshot]", "\t     [-R [-X dataset[,dataset]...]] <snapshot>");
    private static final List<String> OPENZFS_RECV_USAGE = List.of("usage:",
            "\treceive [-FhMnsuv] [-o <property>=<value>] ... [-x <property>] ...");

    @Test
    void sendAndReceiveUseTheReferenceFlagsOnlyWhereZfsHasThem() {
        ZfsCommands c = new ZfsCommands("tank/pve");
        var reference = ZfsCommands.Features.fromUsage(OPENZFS_SEND_USAGE, OPENZFS_RECV_USAGE);
        assertThat(reference).isEqualTo(ZfsCommands.Features.REFERENCE);
        var fuse = ZfsCommands.Features.fromUsage(FUSE_SEND_USAGE, List.of("\treceive [-vnF] <filesystem>"));
        assertThat(fuse).isEqualTo(ZfsCommands.Features.BASIC);

        assertThat(c.send("subvol-100-disk-0", "S", Optional.empty(), true, reference))
                .containsExactly("zfs", "send", "-RpvU", "--", "tank/pve/subvol-100-disk-0@S");
        assertThat(c.send("vm-100-disk-0", "S", Optional.of("B"), true, reference))
                .containsExactly("zfs", "send", "-RpvU", "-I", "B", "--", "tank/pve/vm-100-disk-0@S");
        assertThat(c.send("vm-100-disk-0", "S", Optional.of("B"), false, fuse))
                .containsExactly("zfs", "send", "-Rp", "-i", "B", "--", "tank/pve/vm-100-disk-0@S");
        assertThat(c.receive("vm-100-disk-0", reference))
                .containsExactly("zfs", "recv", "-F", "-x", "encryption", "--", "tank/pve/vm-100-disk-0");
        assertThat(c.receive("vm-100-disk-0", fuse)).containsExactly("zfs", "recv", "-F", "--", "tank/pve/vm-100-disk-0");
        assertThat(c.state("subvol-100-disk-0")).containsExactly("zfs", "get", "-Hp", "-r", "-d", "1", "-o",
                "name,property,value", "type,mounted", "tank/pve/subvol-100-disk-0");
        assertThat(c.rollback("vm-100-disk-0", "B"))
                .containsExactly("zfs", "rollback", "-r", "--", "tank/pve/vm-100-disk-0@B");
        assertThat(c.destroy("vm-100-disk-0", true)).containsExactly("zfs", "destroy", "-r", "--", "tank/pve/vm-100-disk-0");
    }

    private Storage open(RecordingCommandRunner runner, String extra) throws Exception {
        List<StorageType> types = List.of(new ZfsPoolStorageType(runner, tmp.resolve("locks")));
        String cfg = "zfspool: tank\n\tpool tank\n\tcontent images,rootdir\n" + extra;
        var config = StorageConfig.parse(cfg, "t.cfg", StorageRegistry.sectionTypes(types));
        var env = new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(), l -> { });
        return new StorageRegistry(types, config, env).open(new StoreId("tank"));
    }

    @Test
    void zvolsAreAllocatedSparseWithTheBlocksizeListedAndFreedRecursively() throws Exception {
        var runner = new RecordingCommandRunner()
                .answer(List.of("zfs", "get", "-Hp", "-r", "-d", "1", "-o", "name,property,value",
                        "type,volsize,refquota,used,origin,creation,mountpoint", "tank"), Answer.ok("""
                        tank/vm-100-disk-0\ttype\tvolume
                        tank/vm-100-disk-0\tvolsize\t1073741824
                        tank/vm-100-disk-0\tused\t8192
                        tank/vm-100-disk-0\tcreation\t1700000000
                        tank/base-100-disk-1\ttype\tvolume
                        tank/base-100-disk-1\tvolsize\t2147483648
                        tank/vm-101-disk-0\ttype\tvolume
                        tank/vm-101-disk-0\tvolsize\t2147483648
                        tank/vm-101-disk-0\torigin\ttank/base-100-disk-1@__base__
                        tank/volport-import-0123456789abcdef-vm-100-disk-2\ttype\tvolume
                        tank/other\ttype\tfilesystem
                        """))
                .answer(List.of("zfs", "get", "-H", "name", "tank/vm-100-disk-3"),
                        Answer.fail(1, "cannot open 'tank/vm-100-disk-3': dataset does not exist"))
                .answer(List.of("zfs", "create", "-s", "-b", "16k", "-V", "1048576k", "--", "tank/vm-100-disk-3"),
                        Answer.ok(""))
                .answer(List.of("zfs", "get", "-H", "name", "tank/vm-100-disk-0"), Answer.ok("tank/vm-100-disk-0\n"))
                .answer(List.of("zfs", "destroy", "-r", "--", "tank/vm-100-disk-0"), Answer.ok(""))
                .answer(List.of("zfs", "destroy", "-r", "--", "tank/volport-import-0123456789abcdef-vm-100-disk-2"),
                        Answer.ok(""));
        Storage s = open(runner, "\tsparse 1\n\tblocksize 16k\n");
        Path lock = tmp.resolve("locks/tank/volport-import-0123456789abcdef-vm-100-disk-2.lock");
        java.nio.file.Files.createDirectories(lock.getParent());

        // disk-2 is taken by an import in progress (its staging dataset, locked), so the next free number is 3
        try (var held = new LinuxCalls().createLocked(lock)) {
            assertThat(s.alloc(100, Optional.empty(), DiskFormat.RAW, 1 << 20).toString())
                    .isEqualTo("tank:vm-100-disk-3");
        }
        assertThat(runner.calls()).contains(
                List.of("zfs", "create", "-s", "-b", "16k", "-V", "1048576k", "--", "tank/vm-100-disk-3"));
        assertThat(s.path(s.parseName("vm-100-disk-0"))).isEqualTo(Path.of("/dev/zvol/tank/vm-100-disk-0"));
        assertThat(s.path(s.parseName("subvol-100-disk-0"))).isEqualTo(Path.of("/tank/subvol-100-disk-0"));
        // the import is gone (its lock is free): a listing removes its staging dataset, as the other types do
        assertThat(s.list(OptionalInt.empty())).extracting(v -> v.volid().toString() + " " + v.size())
                .containsExactly("tank:base-100-disk-1 2147483648", "tank:base-100-disk-1/vm-101-disk-0 2147483648",
                        "tank:vm-100-disk-0 1073741824");
        assertThat(runner.calls()).contains(
                List.of("zfs", "destroy", "-r", "--", "tank/volport-import-0123456789abcdef-vm-100-disk-2"));
        s.free(s.parseName("vm-100-disk-0"));
        assertThat(runner.calls().getLast()).containsExactly("zfs", "destroy", "-r", "--", "tank/vm-100-disk-0");
    }

    @Test
    void zvolFormatsAreZfsThenRawAndDatasetsZfsThenTar() throws Exception {
        Storage s = open(new RecordingCommandRunner(), "");
        var vm = s.parseName("vm-100-disk-0");
        assertThat(s.exportFormats(vm, TransferOptions.DEFAULT)).containsExactly(StreamFormat.ZFS, StreamFormat.RAW_SIZE);
        assertThat(s.importFormats(s.parseName("subvol-100-disk-0"), TransferOptions.DEFAULT))
                .containsExactly(StreamFormat.ZFS, StreamFormat.TAR_SIZE);
        assertThatThrownBy(() -> s.prepareImport(vm, StreamFormat.TAR_SIZE, TransferOptions.DEFAULT))
                .hasMessageContaining("not available for tank:vm-100-disk-0 (a zvol)");
    }

    @Test
    void namesFollowTheReferenceGrammarAndCannotReachAnotherDataset() throws Exception {
        var clone = ZfsVolumeName.parse("base-100-disk-1/vm-101-disk-0");
        assertThat(clone.base()).contains("base-100-disk-1");
        assertThat(clone.name()).isEqualTo("vm-101-disk-0");
        assertThat(clone.vmid()).hasValue(101);
        assertThat(clone.volname()).isEqualTo("base-100-disk-1/vm-101-disk-0");
        assertThat(ZfsVolumeName.parse("subvol-100-disk-0").format()).isEqualTo(DiskFormat.SUBVOL);
        assertThat(ZfsVolumeName.parse("basevol-100-disk-0").isBase()).isTrue();
        assertThat(ZfsVolumeName.parse("vm-100-disk-0").format()).isEqualTo(DiskFormat.RAW);
        for (String bad : List.of("vm-100-disk-0@s", "vm-100-disk-0/x", "../vm-100-disk-0", "vm-100-disk-0/vm-1-a",
                "-vm-100-disk-0", "vm-0100-disk-0", "tank/vm-100-disk-0", "vm-100-disk 0", "foo-100-disk-0", "")) {
            assertThatThrownBy(() -> ZfsVolumeName.parse(bad)).as(bad).isInstanceOf(VolumeNameException.class)
                    .hasMessageStartingWith("unable to parse zfs volume name '");
        }
    }
}
