package dev.volport.storage.zfs;

import static dev.volport.storage.zfs.ZfsTestPool.zfs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.VolumeInfo;
import dev.volport.storage.dir.DirStorageType;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zfspool storage against a real ZFS (zfs-fuse; datasets only, it has no zvols): two pools on sparse files,
 * {@code zfs} streams between them (full, incremental, with snapshots, renamed), broken streams that must leave
 * nothing under any name, leftovers of a killed import, dataset ↔ dir through {@code tar+size}, snapshots,
 * alloc/free/list/status.
 */
class ZfsPoolStorageTest {
    @TempDir
    static Path tmp;
    static ZfsTestPool a;
    static ZfsTestPool b;
    static Storage za;
    static Storage zb;
    static Storage dir;
    /** The same pools through a runner that records every zfs command: {@link #aTransferRunsFewZfsCommands}. */
    static Storage ca;
    static Storage cb;
    static final List<List<String>> counted = java.util.Collections.synchronizedList(new ArrayList<>());
    static final List<String> warnings = new ArrayList<>();

    @BeforeAll
    static void pools() throws Exception {
        a = ZfsTestPool.create(tmp.resolve("a"));
        b = ZfsTestPool.create(tmp.resolve("b"));
        List<StorageType> types = List.of(new ZfsPoolStorageType(new ProcessCommandRunner(), tmp.resolve("locks")),
                new DirStorageType());
        String cfg = """
                zfspool: za
                \tpool %s
                \tmountpoint %s
                \tcontent images,rootdir

                zfspool: zb
                \tpool %s
                \tcontent images,rootdir

                dir: dd
                \tpath %s
                """.formatted(a.name(), a.mountpoint(), b.name(), tmp.resolve("dir"));
        StorageConfig config = StorageConfig.parse(cfg, "test.cfg", StorageRegistry.sectionTypes(types));
        var env = new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(), warnings::add);
        StorageRegistry registry = new StorageRegistry(types, config, env);
        za = registry.open(new StoreId("za"));
        zb = registry.open(new StoreId("zb"));
        dir = registry.open(new StoreId("dd"));
        var real = new ProcessCommandRunner();
        dev.volport.os.CommandRunner counting = new dev.volport.os.CommandRunner() {
            @Override
            public dev.volport.os.CommandResult execute(dev.volport.os.Command c)
                    throws dev.volport.os.CommandException {
                counted.add(c.argv());
                return real.execute(c);
            }

            @Override
            public dev.volport.os.RunningCommand start(dev.volport.os.Command c)
                    throws dev.volport.os.CommandException {
                counted.add(c.argv());
                return real.start(c);
            }
        };
        List<StorageType> countedTypes = List.of(new ZfsPoolStorageType(counting, tmp.resolve("locks")));
        String countedCfg = "zfspool: ca\n\tpool %s\n\tmountpoint %s\n\tcontent rootdir\n\nzfspool: cb\n\tpool %s\n"
                .formatted(a.name(), a.mountpoint(), b.name()) + "\tmountpoint " + b.mountpoint() + "\n\tcontent rootdir\n";
        var countedRegistry = new StorageRegistry(countedTypes, StorageConfig.parse(countedCfg, "counted.cfg",
                StorageRegistry.sectionTypes(countedTypes)), env);
        ca = countedRegistry.open(new StoreId("ca"));
        cb = countedRegistry.open(new StoreId("cb"));
    }

    @AfterAll
    static void destroy() throws Exception {
        try (ZfsTestPool x = a; ZfsTestPool y = b) {
            // closed in reverse order, even if one fails
        }
    }

    static TransferOptions opts(String snapshot, String base, boolean withSnapshots, boolean allowRename) {
        return new TransferOptions(Optional.ofNullable(snapshot).map(SnapshotName::new),
                Optional.ofNullable(base).map(SnapshotName::new), withSnapshots, List.of(), allowRename,
                Optional.empty());
    }

    static byte[] export(Storage s, String volname, StreamFormat f, TransferOptions o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.exportVolume(s.parseName(volname), f, o, Channels.newChannel(out), Progress.NONE);
        return out.toByteArray();
    }

    static VolumeId importBytes(Storage s, String volname, StreamFormat f, TransferOptions o, byte[] wire)
            throws IOException {
        var env = new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(), warnings::add);
        return new ImportTransaction(env).run(s, s.parseName(volname), f, o,
                Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
    }

    /** A dataset on pool a with files and snapshots s1, s2. */
    static String dataset(int vmid) throws Exception {
        VolumeId id = za.alloc(vmid, Optional.empty(), DiskFormat.SUBVOL, 65536);
        Path root = a.mountpoint().resolve(za.parseName(id.volName()).volname());
        Files.writeString(root.resolve("one"), "first");
        byte[] big = new byte[3 << 20];
        new Random(vmid).nextBytes(big);
        Files.write(root.resolve("big"), big);
        za.snapshots().orElseThrow().create(za.parseName(id.volName()), new SnapshotName("s1"));
        Files.writeString(root.resolve("two"), "second");
        za.snapshots().orElseThrow().create(za.parseName(id.volName()), new SnapshotName("s2"));
        return id.volName();
    }

    static String tree(Path root) throws Exception {
        return ZfsTestPool.run("bash", "-c", "cd '" + root + "' && find . -printf '%p %y %m\\n' | sort"
                + " && find . -type f -print0 | sort -z | xargs -0 sha256sum");
    }

    private List<String> snapshotsOf(Storage s, String volname) throws IOException {
        return s.snapshots().orElseThrow().list(s.parseName(volname));
    }

    @Test
    void fullAndIncrementalStreamsBetweenPools() throws Exception {
        String vol = dataset(100);
        byte[] full = export(za, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        VolumeId id = importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), full);
        assertThat(id.toString()).isEqualTo("zb:" + vol);
        assertThat(snapshotsOf(zb, vol)).containsExactly("s1", "s2");
        assertThat(tree(b.mountpoint().resolve(vol))).isEqualTo(tree(a.mountpoint().resolve(vol)));

        Files.write(a.mountpoint().resolve(vol).resolve("three"), new byte[100_000]);
        za.snapshots().orElseThrow().create(za.parseName(vol), new SnapshotName("s3"));
        byte[] inc = export(za, vol, StreamFormat.ZFS, opts("s3", "s2", true, false));
        assertThat(inc.length).isLessThan(full.length / 4);
        importBytes(zb, vol, StreamFormat.ZFS, opts("s3", "s2", true, false), inc);
        assertThat(snapshotsOf(zb, vol)).containsExactly("s1", "s2", "s3");
        assertThat(tree(b.mountpoint().resolve(vol))).isEqualTo(tree(a.mountpoint().resolve(vol)));
    }

    @Test
    void exportWithoutASnapshotAndAMissingBaseAreRefusedAsTheReference() throws Exception {
        String vol = dataset(101);
        assertThatThrownBy(() -> export(za, vol, StreamFormat.ZFS, opts(null, null, false, false)))
                .hasMessageStartingWith("zfspool storage can only export snapshots");
        byte[] full = export(za, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        assertThatThrownBy(() -> importBytes(zb, vol, StreamFormat.ZFS, opts("s2", "s1", true, false), full))
                .hasMessage("base snapshot '" + b.name() + "/" + vol + "@s1' doesn't exist");
        assertThat(b.all()).noneMatch(n -> n.contains("-101-"));
    }

    @Test
    void anExistingTargetIsRefusedOrRenamed() throws Exception {
        String vol = dataset(102);
        byte[] full = export(za, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), full);
        assertThatThrownBy(() -> importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), full))
                .hasMessage("volume '" + b.name() + "/" + vol + "' already exists");
        VolumeId renamed = importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, true), full);
        assertThat(renamed.toString()).isEqualTo("zb:subvol-102-disk-1");
        assertThat(snapshotsOf(zb, "subvol-102-disk-1")).containsExactly("s1", "s2");
        assertThat(warnings).anyMatch(w -> w.contains("already exists - importing with a different name"));
    }

    @Test
    void truncatedAndCorruptedStreamsLeaveNothingUnderAnyName() throws Exception {
        String vol = dataset(103);
        byte[] full = export(za, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        List<String> before = b.all();
        byte[] cut = Arrays.copyOf(full, full.length / 2);
        assertThatThrownBy(() -> importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), cut))
                .isInstanceOf(StorageException.class).hasMessageStartingWith("import into zb:" + vol + " failed: ")
                .hasMessageContaining("zfs recv");
        byte[] bad = full.clone();
        for (int i = 5000; i < bad.length; i += 7919) {
            bad[i] ^= 0x5a;
        }
        assertThatThrownBy(() -> importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), bad))
                .isInstanceOf(StorageException.class).hasMessageContaining("zfs recv");
        assertThat(b.all()).isEqualTo(before);
        assertThat(Files.list(tmp.resolve("locks").resolve(b.name())).map(p -> p.getFileName().toString()))
                .containsOnly("storage.lock");
    }

    @Test
    void aKilledImportsStagingDatasetIsRemovedByTheNextImport() throws Exception {
        String vol = dataset(104);
        byte[] full = export(za, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        // what a killed import leaves: a staging dataset whose lock file nobody holds
        String staging = ZfsImport.STAGING_PREFIX + "0123456789abcdef-" + vol;
        zfs("create", b.name() + "/" + staging);
        Path lock = tmp.resolve("locks").resolve(b.name()).resolve(staging + ".lock");
        Files.createDirectories(lock.getParent());
        Files.writeString(lock, "");
        assertThat(zb.list(OptionalInt.of(104))).isEmpty();
        importBytes(zb, vol, StreamFormat.ZFS, opts("s2", null, true, false), full);
        assertThat(b.all()).noneMatch(n -> n.contains(ZfsImport.STAGING_PREFIX));
        assertThat(lock).doesNotExist();
        assertThat(warnings).anyMatch(w -> w.contains(staging) && w.contains("left by an interrupted import"));
    }

    @Test
    void datasetToDirAndBackThroughTarSize() throws Exception {
        String vol = dataset(105);
        assertThat(za.exportFormats(za.parseName(vol), TransferOptions.DEFAULT))
                .containsExactly(StreamFormat.ZFS, StreamFormat.TAR_SIZE);
        byte[] tar = export(za, vol, StreamFormat.TAR_SIZE, opts("s1", null, false, false));
        VolumeId inDir = importBytes(dir, "105/subvol-105-disk-0.subvol", StreamFormat.TAR_SIZE,
                TransferOptions.DEFAULT, tar);
        Path dirTree = tmp.resolve("dir/images/105/subvol-105-disk-0.subvol");
        zfs("clone", a.name() + "/" + vol + "@s1", a.name() + "/check-105");
        Path s1 = a.mountpoint().resolve("check-105");
        assertThat(tree(dirTree)).isEqualTo(tree(s1)).doesNotContain("./two");

        byte[] back = export(dir, inDir.volName(), StreamFormat.TAR_SIZE, TransferOptions.DEFAULT);
        VolumeId inZfs = importBytes(zb, "subvol-105-disk-0", StreamFormat.TAR_SIZE, TransferOptions.DEFAULT, back);
        assertThat(tree(b.mountpoint().resolve(inZfs.volName()))).isEqualTo(tree(dirTree));
        assertThat(zb.info(zb.parseName(inZfs.volName())).format()).isEqualTo(DiskFormat.SUBVOL);
    }

    /**
     * What volport runs around {@code zfs send} and {@code zfs recv} (docs/benchmarks.md, zfs-send): for an export,
     * the existence check ({@code info}: one listing) and the probe of {@code zfs send}; for a full import, the
     * reference's existence check, one listing under the lock (leftovers, name taken), the probe of
     * {@code zfs receive}, then one state query (snapshot there, type, mounted), unmount, rename, mount.
     */
    @Test
    void aTransferRunsFewZfsCommands() throws Exception {
        String vol = dataset(107);
        counted.clear();
        ca.info(ca.parseName(vol));
        byte[] full = export(ca, vol, StreamFormat.ZFS, opts("s2", null, true, false));
        assertThat(counted).extracting(c -> String.join(" ", c.subList(0, Math.min(3, c.size()))))
                .containsExactly("zfs get -Hp", "zfs send", "zfs send -Rp");
        counted.clear();
        importBytes(cb, vol, StreamFormat.ZFS, opts("s2", null, true, false), full);
        assertThat(counted).extracting(c -> String.join(" ", c.subList(0, Math.min(3, c.size()))))
                .containsExactly("zfs get -H", "zfs get -Hp", "zfs receive", "zfs recv -F", "zfs get -Hp",
                        "zfs umount --", "zfs rename --", "zfs mount --");
        assertThat(snapshotsOf(zb, vol)).containsExactly("s1", "s2");
    }

    @Test
    void allocListInfoSnapshotsRollbackFreeAndStatus() throws Exception {
        VolumeId id = za.alloc(106, Optional.empty(), DiskFormat.SUBVOL, 1024);
        assertThat(id.toString()).isEqualTo("za:subvol-106-disk-0");
        VolumeId second = za.alloc(106, Optional.empty(), DiskFormat.SUBVOL, 0);
        assertThat(second.toString()).isEqualTo("za:subvol-106-disk-1");
        List<VolumeInfo> listed = za.list(OptionalInt.of(106));
        assertThat(listed).extracting(v -> v.volid().toString())
                .containsExactly("za:subvol-106-disk-0", "za:subvol-106-disk-1");
        assertThat(listed.get(0).size()).isEqualTo(1024 * 1024);
        assertThat(za.path(za.parseName("subvol-106-disk-0")))
                .isEqualTo(a.mountpoint().resolve("subvol-106-disk-0"));

        var name = za.parseName("subvol-106-disk-0");
        var snaps = za.snapshots().orElseThrow();
        Path file = a.mountpoint().resolve("subvol-106-disk-0/f");
        Files.writeString(file, "old");
        snaps.create(name, new SnapshotName("keep"));
        Files.writeString(file, "new");
        snaps.create(name, new SnapshotName("later"));
        assertThat(snaps.list(name)).containsExactly("keep", "later");
        snaps.rollback(name, new SnapshotName("keep"));
        assertThat(Files.readString(file)).isEqualTo("old");
        assertThat(snaps.list(name)).containsExactly("keep");
        ((ZfsSnapshots) snaps).createMigration(name);
        assertThat(snaps.list(name)).containsExactly("keep", "__migration__");
        ((ZfsSnapshots) snaps).removeMigration(name);
        ((ZfsSnapshots) snaps).removeMigration(name);
        snaps.delete(name, new SnapshotName("keep"));
        assertThat(snaps.list(name)).isEmpty();

        za.free(name);
        za.free(za.parseName("subvol-106-disk-1"));
        assertThat(za.list(OptionalInt.of(106))).isEmpty();
        assertThatThrownBy(() -> za.free(name)).hasMessage("volume za:subvol-106-disk-0 does not exist");
        var status = za.status();
        assertThat(status.active()).isTrue();
        assertThat(status.total()).isGreaterThan(100L << 20).isLessThan(256L << 20);
        assertThat(status.avail()).isPositive();
    }
}
