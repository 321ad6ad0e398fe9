package dev.volport.storage.btrfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.dir.DirStorageType;
import dev.volport.testing.BtrfsLoop;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The btrfs storage on two real btrfs filesystems (so a stream never finds its parent by accident on the sender's
 * filesystem) and a dir storage: alloc with NOCOW, snapshots, free; full and incremental {@code btrfs} streams with
 * the reference's exact {@code btrfs send} argv; explicit snapshot lists; allow-rename; broken streams leaving
 * nothing; {@code raw+size} and {@code tar+size} to and from {@code dir}.
 */
class BtrfsStorageTest {
    @RegisterExtension
    static final BtrfsLoop FS1 = new BtrfsLoop();
    @RegisterExtension
    static final BtrfsLoop FS2 = new BtrfsLoop();

    @TempDir
    Path tmp;
    private final RecordingProcesses tools = new RecordingProcesses();
    private final List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
    private StorageEnvironment env;
    private Storage a;
    private Storage b;
    private Storage d;
    private Path rootA;
    private Path rootB;

    @BeforeEach
    void open() throws Exception {
        rootA = FS1.freshDirectory("a");
        rootB = FS2.freshDirectory("b");
        String cfg = "btrfs: ba\n\tpath " + rootA + "\n\tcontent images,rootdir\n\tnocow 1\n\n"
                + "btrfs: bb\n\tpath " + rootB + "\n\tcontent images,rootdir\n\n"
                + "dir: dd\n\tpath " + tmp.resolve("d") + "\n\tcontent images,rootdir\n";
        List<StorageType> types = List.of(new BtrfsStorageType(tools), new DirStorageType());
        StorageConfig config = StorageConfig.parse(cfg, "test.cfg", StorageRegistry.sectionTypes(types));
        env = new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(), warnings::add);
        StorageRegistry registry = new StorageRegistry(types, config, env);
        a = registry.open(new StoreId("ba"));
        b = registry.open(new StoreId("bb"));
        d = registry.open(new StoreId("dd"));
    }

    private static TransferOptions opts(String snapshot, String base, boolean withSnapshots, String... list) {
        return new TransferOptions(Optional.ofNullable(snapshot).map(SnapshotName::new),
                Optional.ofNullable(base).map(SnapshotName::new), withSnapshots,
                Stream.of(list).map(SnapshotName::new).toList(), false, Optional.empty());
    }

    private static byte[] export(Storage s, String volname, StreamFormat f, TransferOptions o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.exportVolume(s.parseName(volname), f, o, Channels.newChannel(out), Progress.NONE);
        return out.toByteArray();
    }

    private VolumeId importInto(Storage s, String volname, StreamFormat f, TransferOptions o, byte[] wire)
            throws IOException {
        return new ImportTransaction(env).run(s, s.parseName(volname), f, o,
                Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
    }

    private static void write(Path file, long seed, long offset, int length) throws IOException {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.seek(offset);
            f.write(data);
        }
    }

    private static String sha(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private void snapshot(Storage s, String volname, String snap) throws IOException {
        s.snapshots().orElseThrow().create(s.parseName(volname), new SnapshotName(snap));
    }

    private static Path disk(Path root, int vmid, String name) {
        return root.resolve("images/" + vmid + "/" + name + "/disk.raw");
    }

    /**
     * A rollback or an incremental receive killed in the middle of its swap (the names it gives subvolumes for that
     * moment, as it would leave them) is finished or undone by the next operation under the storage lock, so the
     * volume is whole under its name again and nothing else is left.
     */
    @Test
    void swapsInterruptedByAKillAreFinishedOrUndoneByTheNextListing() throws Exception {
        VolumeId id = a.alloc(100, Optional.empty(), dev.volport.volume.DiskFormat.RAW, 4 * 1024);
        Path file = disk(rootA, 100, "vm-100-disk-0");
        Path dir = rootA.resolve("images/100");
        write(file, 1, 0, 1 << 20);
        String atS1 = sha(file);
        snapshot(a, id.volName(), "s1");
        write(file, 2, 0, 1 << 20);
        String current = sha(file);

        // 1. rollback killed after moving the current state aside, before its new state took the name
        Path sv = dir.resolve("vm-100-disk-0");
        BtrfsLoop.run("btrfs", "-q", "subvolume", "snapshot", dir.resolve("vm-100-disk-0@s1").toString(),
                dir.resolve(".volport-rollback.a1.vm-100-disk-0").toString());
        Files.move(sv, dir.resolve(".volport-rolledback.a1.vm-100-disk-0"));
        assertThat(a.list(java.util.OptionalInt.empty())).extracting(v -> v.volid().toString())
                .containsExactly("ba:100/vm-100-disk-0.raw");
        assertThat(sha(file)).isEqualTo(atS1);
        assertThat(warnings).anyMatch(w -> w.contains("the rollback is now complete"));

        // 2. an incremental receive killed after moving the current state aside: the old state comes back
        Files.move(sv, dir.resolve(".volport-replaced.b2.vm-100-disk-0"));
        a.list(java.util.OptionalInt.empty());
        assertThat(sha(file)).isEqualTo(atS1);
        assertThat(warnings).anyMatch(w -> w.contains("its previous state is back"));

        // 3. killed after the swap, before deleting what it replaced: the superseded state is removed
        BtrfsLoop.run("btrfs", "-q", "subvolume", "snapshot", sv.toString(),
                dir.resolve(".volport-replaced.c3.vm-100-disk-0").toString());
        a.list(java.util.OptionalInt.empty());
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString()).sorted().toList())
                    .containsExactly("vm-100-disk-0", "vm-100-disk-0@s1");
        }
        assertThat(sha(file)).isEqualTo(atS1).isNotEqualTo(current);
    }

    @Test
    void allocMakesANocowDiskAndSnapshotsRollBackAndFreeRemovesThemAll() throws Exception {
        VolumeId id = a.alloc(100, Optional.empty(), dev.volport.volume.DiskFormat.RAW, 16 * 1024);
        assertThat(id.toString()).isEqualTo("ba:100/vm-100-disk-0.raw");
        Path file = disk(rootA, 100, "vm-100-disk-0");
        assertThat(a.path(a.parseName(id.volName()))).isEqualTo(file);
        assertThat(Files.size(file)).isEqualTo(16 << 20);
        assertThat(BtrfsLoop.run("lsattr", file.toString())).matches("(?s)\\S*C\\S* .*");
        assertThat(tools.callsStartingWith("chattr")).containsExactly(List.of("chattr", "+C", "--", file.toString()));

        write(file, 1, 0, 1 << 20);
        String before = sha(file);
        snapshot(a, id.volName(), "s1");
        write(file, 2, 0, 1 << 20);
        var snaps = a.snapshots().orElseThrow();
        assertThat(snaps.list(a.parseName(id.volName()))).containsExactly("s1");
        assertThat(a.info(a.parseName(id.volName())).snapshots()).containsExactly("s1");
        snaps.rollback(a.parseName(id.volName()), new SnapshotName("s1"));
        assertThat(sha(file)).isEqualTo(before);
        snapshot(a, id.volName(), "s2");
        snaps.delete(a.parseName(id.volName()), new SnapshotName("s1"));
        assertThat(snaps.list(a.parseName(id.volName()))).containsExactly("s2");

        assertThat(a.list(OptionalInt.empty())).extracting(v -> v.volid().toString())
                .containsExactly("ba:100/vm-100-disk-0.raw");
        Files.delete(file);   // damaged: a subvolume without its disk.raw is still listed (and can be freed)
        assertThat(a.list(OptionalInt.empty())).extracting(v -> v.volid().toString() + " " + v.size())
                .containsExactly("ba:100/vm-100-disk-0.raw 0");
        assertThat(warnings).anyMatch(w -> w.contains("no file '" + file + "'"));
        a.free(a.parseName(id.volName()));
        assertThat(rootA.resolve("images/100")).doesNotExist();
        assertThat(a.list(OptionalInt.empty())).isEmpty();
    }

    @Test
    void aFullStreamWithSnapshotsThenAnIncrementalOneReachTheOtherFilesystem() throws Exception {
        String vol = "100/vm-100-disk-0.raw";
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 64 * 1024);
        a.alloc(100, Optional.of("vm-100-disk-1.raw"), dev.volport.volume.DiskFormat.RAW, 1024);
        snapshot(a, "100/vm-100-disk-1.raw", "s1");     // another disk's snapshot: never sent (#3873)
        Path src = disk(rootA, 100, "vm-100-disk-0");
        write(src, 3, 0, 8 << 20);
        snapshot(a, vol, "s1");
        write(src, 4, 16 << 20, 8 << 20);
        snapshot(a, vol, "s2");

        byte[] full = export(a, vol, StreamFormat.BTRFS, opts("s2", null, true));
        Path srcDir = rootA.resolve("images/100");
        assertThat(tools.callsStartingWith("btrfs", "-q", "send")).containsExactly(List.of("btrfs", "-q", "send",
                "-e", "--", srcDir + "/vm-100-disk-0@s1", srcDir + "/vm-100-disk-0@s2"));
        VolumeId got = importInto(b, vol, StreamFormat.BTRFS, opts("s2", null, true), full);
        assertThat(got.toString()).isEqualTo("bb:" + vol);
        assertThat(b.snapshots().orElseThrow().list(b.parseName(vol))).containsExactly("s1", "s2");
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0"))).isEqualTo(sha(src));
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0@s1"))).isEqualTo(sha(disk(rootA, 100, "vm-100-disk-0@s1")));
        assertThat(rootB.resolve("images/100/vm-100-disk-1@s1")).doesNotExist();

        write(src, 5, 40 << 20, 1 << 20);
        snapshot(a, vol, "s3");
        byte[] incremental = export(a, vol, StreamFormat.BTRFS, opts("s3", "s2", false));
        assertThat(tools.callsStartingWith("btrfs", "-q", "send").getLast()).containsExactly("btrfs", "-q", "send",
                "-e", "-p", srcDir + "/vm-100-disk-0@s2", "--", srcDir + "/vm-100-disk-0@s3");
        assertThat(incremental.length).isLessThan(full.length / 8);
        importInto(b, vol, StreamFormat.BTRFS, opts("s3", "s2", false), incremental);
        assertThat(b.snapshots().orElseThrow().list(b.parseName(vol))).containsExactly("s1", "s2", "s3");
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0"))).isEqualTo(sha(src));
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0@s3"))).isEqualTo(sha(src));
    }

    @Test
    void anExplicitSnapshotListIsSentInItsOrderAndLandsUnderTheRequestedName() throws Exception {
        String vol = "100/vm-100-disk-0.raw";
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 4096);
        for (String s : List.of("x", "y", "z")) {
            write(disk(rootA, 100, "vm-100-disk-0"), s.hashCode(), 0, 65536);
            snapshot(a, vol, s);
        }
        assertThat(a.exportFormats(a.parseName(vol), opts("z", "x", true)))
                .as("an incremental stream with snapshots needs them listed").isEmpty();
        assertThat(a.exportFormats(a.parseName(vol), opts("z", null, true, "x", "y")))
                .containsExactly(StreamFormat.BTRFS);
        byte[] wire = export(a, vol, StreamFormat.BTRFS, opts("z", null, true, "x", "y"));
        Path dir = rootA.resolve("images/100");
        assertThat(tools.callsStartingWith("btrfs", "-q", "send").getLast()).containsExactly("btrfs", "-q", "send",
                "-e", "--", dir + "/vm-100-disk-0@x", dir + "/vm-100-disk-0@y", dir + "/vm-100-disk-0@z");
        VolumeId got = importInto(b, "200/vm-200-disk-3.raw", StreamFormat.BTRFS, opts("z", null, true), wire);
        assertThat(got.toString()).isEqualTo("bb:200/vm-200-disk-3.raw");
        assertThat(b.snapshots().orElseThrow().list(b.parseName(got.volName()))).containsExactly("x", "y", "z");
        assertThat(sha(disk(rootB, 200, "vm-200-disk-3"))).isEqualTo(sha(disk(rootA, 100, "vm-100-disk-0@z")));
    }

    @Test
    void allowRenameReceivesUnderTheNextFreeNameAndLeavesTheExistingVolume() throws Exception {
        String vol = "100/vm-100-disk-0.raw";
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 1024);
        write(disk(rootA, 100, "vm-100-disk-0"), 7, 0, 4096);
        snapshot(a, vol, "m");
        byte[] wire = export(a, vol, StreamFormat.BTRFS, opts("m", null, false));
        b.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 1024);
        String existing = sha(disk(rootB, 100, "vm-100-disk-0"));

        assertThatThrownBy(() -> importInto(b, vol, StreamFormat.BTRFS, opts("m", null, false), wire))
                .isInstanceOf(StorageException.class).hasMessageContaining("already exists");
        VolumeId renamed = importInto(b, vol, StreamFormat.BTRFS, opts("m", null, false).withAllowRename(true), wire);
        assertThat(renamed.toString()).isEqualTo("bb:100/vm-100-disk-1.raw");
        assertThat(sha(disk(rootB, 100, "vm-100-disk-1"))).isEqualTo(sha(disk(rootA, 100, "vm-100-disk-0")));
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0"))).isEqualTo(existing);
        assertThat(b.snapshots().orElseThrow().list(b.parseName(renamed.volName()))).containsExactly("m");
        assertThat(b.snapshots().orElseThrow().list(b.parseName(vol))).isEmpty();
    }

    @Test
    void truncatedAndCorruptedStreamsLeaveNothingBehind() throws Exception {
        String vol = "100/vm-100-disk-0.raw";
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 8192);
        write(disk(rootA, 100, "vm-100-disk-0"), 8, 0, 4 << 20);
        snapshot(a, vol, "s1");
        write(disk(rootA, 100, "vm-100-disk-0"), 9, 4 << 20, 1 << 20);
        snapshot(a, vol, "s2");
        byte[] wire = export(a, vol, StreamFormat.BTRFS, opts("s2", null, true));

        byte[] truncated = java.util.Arrays.copyOf(wire, wire.length * 2 / 3);
        assertThatThrownBy(() -> importInto(b, vol, StreamFormat.BTRFS, opts("s2", null, true), truncated))
                .isInstanceOf(StorageException.class)
                .hasMessageStartingWith("import into bb:" + vol + " failed: ")
                .hasMessageContaining("btrfs -q receive -e");
        byte[] corrupted = wire.clone();
        for (int i = wire.length / 2; i < wire.length / 2 + 64; i++) {
            corrupted[i] ^= 0x5a;
        }
        assertThatThrownBy(() -> importInto(b, vol, StreamFormat.BTRFS, opts("s2", null, true), corrupted))
                .isInstanceOf(StorageException.class).hasMessageStartingWith("import into bb:" + vol + " failed: ");
        assertThatThrownBy(() -> importInto(b, vol, StreamFormat.BTRFS, opts("s9", null, true), wire))
                .isInstanceOf(StorageException.class).hasMessageContaining("does not hold the snapshot 's9'");

        try (Stream<Path> left = Files.list(rootB.resolve("images/100"))) {
            assertThat(left).isEmpty();
        }
        assertThat(BtrfsLoop.run("btrfs", "subvolume", "list", rootB.toString()).lines()
                .filter(l -> l.endsWith(" path " + rootB.getFileName()) || l.contains(" path " + rootB.getFileName()
                        + "/"))).as("subvolumes left in " + rootB).isEmpty();
        assertThat(b.list(OptionalInt.empty())).isEmpty();
    }

    @Test
    void aKilledReceivesLeftoverWithReadOnlySnapshotsIsRemovedByTheNextImportOnly() throws Exception {
        String vol = "100/vm-100-disk-0.raw";
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 1024);
        snapshot(a, vol, "k");
        byte[] wire = export(a, vol, StreamFormat.BTRFS, opts("k", null, false));
        Path guest = Files.createDirectories(rootB.resolve("images/100"));
        Path stream = tmp.resolve("k.btrfs");
        Files.write(stream, wire);
        // a receive directory as a killed import leaves it: its lock file no longer locked, a read-only
        // received subvolume inside, which only `btrfs subvolume delete` removes
        Path lockFile = guest.resolve(dev.volport.storage.Staging.LOCK_PREFIX + "00000000000000aa.vm-100-disk-0");
        Path dead = guest.resolve(dev.volport.storage.Staging.PREFIX + "00000000000000aa.vm-100-disk-0");
        // and one whose importer still runs (its lock held): it must stay
        Path liveLock = guest.resolve(dev.volport.storage.Staging.LOCK_PREFIX + "00000000000000bb.vm-100-disk-1");
        Path live = guest.resolve(dev.volport.storage.Staging.PREFIX + "00000000000000bb.vm-100-disk-1");
        env.linux().createLocked(lockFile).close();
        try (LinuxCalls.OfdLock held = env.linux().createLocked(liveLock)) {
            for (Path p : List.of(dead, live)) {
                Files.createDirectory(p);
                BtrfsLoop.run("btrfs", "-q", "receive", "-e", "-f", stream.toString(), "--", p.toString());
            }
            assertThat(dead.resolve("vm-100-disk-0@k")).isDirectory();

            importInto(b, "100/vm-100-disk-2.raw", StreamFormat.BTRFS, opts("k", null, false), wire);
            assertThat(dead).doesNotExist();
            assertThat(lockFile).doesNotExist();
            assertThat(live.resolve("vm-100-disk-0@k")).isDirectory();
            assertThat(warnings).anyMatch(w -> w.contains("removed '" + dead + "', left by an interrupted import"));
            assertThat(b.list(OptionalInt.empty())).extracting(v -> v.volid().toString())
                    .containsExactly("bb:100/vm-100-disk-2.raw");
        }
    }

    @Test
    void rawAndTarStreamsTravelBetweenBtrfsAndDirUnchanged() throws Exception {
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 8192);
        write(disk(rootA, 100, "vm-100-disk-0"), 10, 1 << 20, 2 << 20);
        byte[] raw = export(a, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT);
        importInto(d, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, raw);
        assertThat(sha(tmp.resolve("d/images/100/vm-100-disk-0.raw"))).isEqualTo(sha(disk(rootA, 100,
                "vm-100-disk-0")));
        byte[] back = export(d, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT);
        importInto(b, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, back);
        assertThat(sha(disk(rootB, 100, "vm-100-disk-0"))).isEqualTo(sha(disk(rootA, 100, "vm-100-disk-0")));

        a.alloc(101, Optional.of("subvol-101-disk-0.subvol"), dev.volport.volume.DiskFormat.SUBVOL, 0);
        Path tree = rootA.resolve("images/101/subvol-101-disk-0.subvol");
        Files.createDirectories(tree.resolve("etc/deep"));
        Files.writeString(tree.resolve("etc/hostname"), "ct101\n");
        write(tree.resolve("etc/deep/blob"), 11, 3 << 20, 4096);   // sparse: a hole, then data
        Files.createSymbolicLink(tree.resolve("etc/link"), Path.of("hostname"));
        BtrfsLoop.run("setfattr", "-n", "user.volport", "-v", "kept", tree.resolve("etc/hostname").toString());
        byte[] tar = export(a, "101/subvol-101-disk-0.subvol", StreamFormat.TAR_SIZE, TransferOptions.DEFAULT);
        importInto(d, "101/subvol-101-disk-0.subvol", StreamFormat.TAR_SIZE, TransferOptions.DEFAULT, tar);
        Path inDir = tmp.resolve("d/images/101/subvol-101-disk-0.subvol");
        assertThat(dump(inDir)).isEqualTo(dump(tree));
        byte[] tarBack = export(d, "101/subvol-101-disk-0.subvol", StreamFormat.TAR_SIZE, TransferOptions.DEFAULT);
        importInto(b, "101/subvol-101-disk-0.subvol", StreamFormat.TAR_SIZE, TransferOptions.DEFAULT, tarBack);
        Path inB = rootB.resolve("images/101/subvol-101-disk-0.subvol");
        assertThat(BtrfsVolumes.isSubvolume(inB)).isTrue();
        assertThat(dump(inB)).isEqualTo(dump(tree));
    }

    /**
     * raw+sparse from and to a btrfs raw disk: only the data travels (a mostly empty disk makes a small stream), the
     * copy equals the source byte for byte and stays sparse, on btrfs and on dir; with zstd as well.
     */
    @Test
    void rawSparseCarriesOnlyTheDataBetweenBtrfsAndDir() throws Exception {
        a.alloc(100, Optional.of("vm-100-disk-0.raw"), dev.volport.volume.DiskFormat.RAW, 64 * 1024);
        Path src = disk(rootA, 100, "vm-100-disk-0");
        write(src, 20, 8 << 20, 1 << 20);
        write(src, 21, 40 << 20, 1 << 20);
        assertThat(a.exportFormats(a.parseName("100/vm-100-disk-0.raw"), TransferOptions.DEFAULT))
                .containsExactly(StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE);
        byte[] sparse = export(a, "100/vm-100-disk-0.raw", StreamFormat.RAW_SPARSE, TransferOptions.DEFAULT);
        assertThat(sparse.length).isLessThan(3 << 20); // 2 MiB of data of a 64 MiB disk
        importInto(b, "100/vm-100-disk-0.raw", StreamFormat.RAW_SPARSE, TransferOptions.DEFAULT, sparse);
        Path onB = disk(rootB, 100, "vm-100-disk-0");
        assertThat(sha(onB)).isEqualTo(sha(src));
        assertThat(Files.size(onB)).isEqualTo(64L << 20);
        assertThat(new dev.volport.os.LinuxCalls().allocatedBytes(onB)).isLessThan(8L << 20);
        TransferOptions zstd = new TransferOptions(Optional.empty(), Optional.empty(), false, List.of(), false,
                Optional.empty(), dev.volport.format.Compression.parse("zstd"));
        byte[] compressed = export(b, "100/vm-100-disk-0.raw", StreamFormat.RAW_SPARSE, zstd);
        importInto(d, "100/vm-100-disk-0.raw", StreamFormat.RAW_SPARSE, TransferOptions.DEFAULT, compressed);
        assertThat(sha(tmp.resolve("d/images/100/vm-100-disk-0.raw"))).isEqualTo(sha(src));
    }

    /** Every entry of a tree: path, type, mode, owner, link target, file size and digest, user xattrs. */
    private static String dump(Path dir) throws Exception {
        String listing = BtrfsLoop.run("bash", "-c", "cd \"$1\" && find . -mindepth 1 -printf '%P %y %m %U:%G %l\\n'"
                + " | sort && find . -type f -printf '%P %s\\n' | sort"
                + " && find . -type f -print0 | sort -z | xargs -0 sha256sum"
                + " && getfattr -R -d -m '^user\\.' --absolute-names . 2>/dev/null | grep -v '^#' | sort", "dump",
                dir.toString());
        assertThat(listing).contains("etc/hostname");
        return listing;
    }
}
