package dev.volport.storage.dir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.StorageSection;
import dev.volport.api.Volport;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.testing.Imports;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirStorageTest {
    @TempDir
    Path tmp;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    private DirStorage storage;

    static DirStorage open(Path root, String id, PrintStream warnings, String... props) throws IOException {
        var b = StorageSection.builder(Volport.section("dir"), StoreId.parse(id)).property("path", root.toString());
        for (int i = 0; i < props.length; i += 2) {
            b.property(props[i], props[i + 1]);
        }
        return new DirStorage(b.build(), new StorageEnvironment(Linux.system(), new ShutdownGuard(),
                warnings::println));
    }

    @BeforeEach
    void setUp() throws IOException {
        storage = open(tmp.resolve("store"), "local", new PrintStream(warnings, true));
    }

    private static byte[] stream(byte[] body, long declared) {
        ByteBuffer header = SizeHeader.encode(declared);
        byte[] out = new byte[8 + body.length];
        header.get(0, out, 0, 8);
        System.arraycopy(body, 0, out, 8, body.length);
        return out;
    }

    private VolumeId importBytes(String volname, byte[] wire, TransferOptions opts) throws IOException {
        return Imports.run(storage, volname, StreamFormat.RAW_SIZE, opts,
                Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
    }

    /** Every regular file and directory below the storage root, lock file aside. */
    private List<String> tree() throws IOException {
        Path root = tmp.resolve("store");
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.getFileName().toString().equals(".volport.lock"))
                    .map(p -> root.relativize(p).toString()).filter(p -> !p.isEmpty()).sorted().toList();
        }
    }

    @Test
    void allocCreatesSparseRawFilesWithTheNextFreeName() throws IOException {
        VolumeId a = storage.alloc(100, Optional.empty(), DiskFormat.RAW, 1024 * 1024);
        VolumeId b = storage.alloc(100, Optional.empty(), DiskFormat.RAW, 1);
        assertThat(a.toString()).isEqualTo("local:100/vm-100-disk-0.raw");
        assertThat(b.toString()).isEqualTo("local:100/vm-100-disk-1.raw");
        VolumeInfo info = storage.info(storage.parseName(a.volName()));
        assertThat(info.size()).isEqualTo(1L << 30);
        assertThat(info.used()).isZero();
        assertThat(info.format()).isEqualTo(DiskFormat.RAW);
        assertThat(storage.path(storage.parseName(a.volName())))
                .isEqualTo(tmp.resolve("store/images/100/vm-100-disk-0.raw"));
    }

    @Test
    void preallocationFallocAndFullAllocateEveryByte() throws IOException {
        for (String mode : List.of("falloc", "full")) {
            DirStorage s = open(tmp.resolve(mode), mode, System.err, "preallocation", mode);
            VolumeId v = s.alloc(101, Optional.empty(), DiskFormat.RAW, 4096);
            assertThat(s.info(s.parseName(v.volName())).used()).as(mode).isGreaterThanOrEqualTo(4L << 20);
        }
    }

    @Test
    void subvolumesAreDirectoriesAndShareTheNumbering() throws IOException {
        storage.alloc(100, Optional.empty(), DiskFormat.RAW, 4);
        VolumeId sub = storage.alloc(100, Optional.empty(), DiskFormat.SUBVOL, 0);
        assertThat(sub.volName()).isEqualTo("100/subvol-100-disk-1.subvol");
        assertThat(storage.path(storage.parseName(sub.volName()))).isDirectory();
        assertThatThrownBy(() -> storage.alloc(100, Optional.empty(), DiskFormat.SUBVOL, 8))
                .hasMessageContaining("subvol quotas");
    }

    @Test
    void allocRefusesWrongExtensionsAndExistingNames() throws IOException {
        assertThatThrownBy(() -> storage.alloc(100, Optional.of("vm-100-disk-0.qcow2"), DiskFormat.RAW, 4))
                .hasMessageContaining("wrong extension for format");
        storage.alloc(100, Optional.of("vm-100-disk-7.raw"), DiskFormat.RAW, 4);
        assertThatThrownBy(() -> storage.alloc(100, Optional.of("vm-100-disk-7.raw"), DiskFormat.RAW, 4))
                .isInstanceOf(StorageException.class).hasMessageContaining("already exists");
    }

    @Test
    void concurrentAllocationsNeverShareAName() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<VolumeId>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            Callable<VolumeId> c = () -> storage.alloc(200, Optional.empty(), DiskFormat.RAW, 4);
            futures.add(pool.submit(c));
        }
        Set<String> names = new HashSet<>();
        for (Future<VolumeId> f : futures) {
            names.add(f.get().volName());
        }
        pool.shutdown();
        assertThat(names).hasSize(40);
        assertThat(storage.list(OptionalInt.of(200))).hasSize(40);
    }

    @Test
    void listFiltersByGuestAndFreeRemovesTheVolumeAndItsEmptyDirectory() throws IOException {
        storage.alloc(100, Optional.empty(), DiskFormat.RAW, 4);
        storage.alloc(101, Optional.empty(), DiskFormat.RAW, 8);
        Files.writeString(tmp.resolve("store/images/101/notes.txt"), "not a volume");
        assertThat(storage.list(OptionalInt.empty())).extracting(v -> v.volid().toString())
                .containsExactly("local:100/vm-100-disk-0.raw", "local:101/vm-101-disk-0.raw");
        assertThat(storage.list(OptionalInt.of(101))).extracting(v -> v.volid().volName())
                .containsExactly("101/vm-101-disk-0.raw");
        storage.free(storage.parseName("100/vm-100-disk-0.raw"));
        assertThat(tmp.resolve("store/images/100")).doesNotExist();
        assertThatThrownBy(() -> storage.free(storage.parseName("100/vm-100-disk-0.raw")))
                .hasMessageContaining("does not exist");
    }

    @Test
    void importWritesASparseExactCopyAndReportsTheVolume() throws IOException {
        byte[] body = new byte[(2 << 20) + 5];
        new Random(1).nextBytes(body);
        java.util.Arrays.fill(body, 4096, 1 << 20, (byte) 0);
        VolumeId id = importBytes("100/vm-100-disk-0.raw", stream(body, body.length), TransferOptions.DEFAULT);
        assertThat(id.toString()).isEqualTo("local:100/vm-100-disk-0.raw");
        Path file = storage.path(storage.parseName(id.volName()));
        assertThat(Files.readAllBytes(file)).isEqualTo(body);
        assertThat(storage.info(storage.parseName(id.volName())).used()).isLessThan(body.length);
        assertThat(tree()).containsExactly("images", "images/100", "images/100/vm-100-disk-0.raw", "private");
    }

    @Test
    void existingTargetIsRefusedUnlessRenameIsAllowed() throws IOException {
        byte[] wire = stream(new byte[10], 10);
        importBytes("100/vm-100-disk-0.raw", wire, TransferOptions.DEFAULT);
        assertThatThrownBy(() -> importBytes("100/vm-100-disk-0.raw", wire, TransferOptions.DEFAULT))
                .isInstanceOf(StorageException.class).hasMessageEndingWith("vm-100-disk-0.raw' already exists");
        VolumeId renamed = importBytes("100/vm-100-disk-0.raw", wire, TransferOptions.DEFAULT.withAllowRename(true));
        assertThat(renamed.volName()).isEqualTo("100/vm-100-disk-1.raw");
        assertThat(warnings.toString()).contains("already exists - importing with a different name");
    }

    @Test
    void badStreamsLeaveNothingBehind() throws IOException {
        List<byte[]> bad = List.of(new byte[3], stream(new byte[100], 101), stream(new byte[101], 100));
        for (byte[] wire : bad) {
            assertThatThrownBy(() -> importBytes("100/vm-100-disk-0.raw", wire, TransferOptions.DEFAULT))
                    .isInstanceOf(StorageException.class);
            assertThat(tree()).doesNotContain("images/100").noneMatch(p -> p.contains("vm-100"));
        }
    }

    @Test
    void formatAndSnapshotRulesAreCheckedBeforeReadingAByte() throws Exception {
        var neverRead = Channels.newChannel(new java.io.InputStream() {
            @Override
            public int read() {
                throw new AssertionError("read before validation");
            }
        });
        TransferOptions ws = new TransferOptions(Optional.empty(), Optional.empty(), true, List.of(), false,
                Optional.empty());
        assertThatThrownBy(() -> Imports.run(storage, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, ws, neverRead,
                Progress.NONE)).hasMessage("format raw+size cannot be imported with snapshots");
        assertThatThrownBy(() -> Imports.run(storage, "100/vm-100-disk-0.raw", StreamFormat.QCOW2_SIZE, ws,
                neverRead, Progress.NONE)).hasMessage("cannot import format qcow2+size into a file of format raw");
        assertThatThrownBy(() -> Imports.run(storage, "100/vm-100-disk-0.raw", StreamFormat.ZFS,
                TransferOptions.DEFAULT, neverRead, Progress.NONE))
                .hasMessage("volume import format 'zfs' not available for storage type 'dir'");
        assertThatThrownBy(() -> Imports.run(storage, "100/subvol-100-disk-0.subvol", StreamFormat.RAW_SIZE,
                TransferOptions.DEFAULT, neverRead, Progress.NONE))
                .hasMessage("cannot import format raw+size into a file of format subvol");
        assertThatThrownBy(() -> Imports.run(storage, "../../etc/passwd", StreamFormat.RAW_SIZE,
                TransferOptions.DEFAULT, neverRead, Progress.NONE)).isInstanceOf(IOException.class);
    }

    @Test
    void exportWritesHeaderAndExactBytes() throws IOException {
        VolumeId v = storage.alloc(100, Optional.empty(), DiskFormat.RAW, 3);
        Files.write(storage.path(storage.parseName(v.volName())), new byte[] {1, 2, 3},
                java.nio.file.StandardOpenOption.WRITE);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        storage.exportVolume(storage.parseName(v.volName()), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                Channels.newChannel(out),
                Progress.NONE);
        byte[] wire = out.toByteArray();
        assertThat(wire).hasSize(8 + 3072);
        assertThat(java.util.HexFormat.of().formatHex(wire, 0, 11)).isEqualTo("000c000000000000010203");
        assertThatThrownBy(() -> storage.exportVolume(storage.parseName(v.volName()), StreamFormat.QCOW2_SIZE,
                TransferOptions.DEFAULT,
                Channels.newChannel(out), Progress.NONE)).hasMessageContaining("not available");
    }
}
