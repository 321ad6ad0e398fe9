package dev.volport.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.SectionType;
import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every storage type must do, run against each through its own subclass (a storage.cfg section of the type,
 * opened through a {@link StorageRegistry}, imports through {@code transfer.ImportTransaction}): format lists,
 * import/export round trips with the same bytes, the refusals of DESIGN §4 and §5, no leftovers after a failure,
 * crash leftovers removed by the next import, and distinct names for concurrent imports with allow-rename.
 */
public abstract class StorageContract {
    private static final TransferOptions WITH_SNAPSHOTS =
            new TransferOptions(Optional.empty(), Optional.empty(), true, List.of(), false, Optional.empty());

    @TempDir
    protected Path tmp;
    protected Path root;
    protected Storage storage;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    private StorageEnvironment env;

    /** The storage type under test. */
    protected abstract StorageType type();

    /** A storage.cfg section of the type for storage {@code id} whose volumes live below {@code root}. */
    protected abstract String section(String id, Path root);

    /** The {@code n}th distinct name of a new volume of disk format {@code format} ({@code raw}, {@code qcow2}). */
    protected abstract String volname(String format, int n);

    /**
     * Creates in the storage what an import of {@code volname} that was killed leaves: a staging object made the
     * way the type makes them, whose lock is no longer held. Returns it.
     */
    protected abstract Path plantLeftover(String volname) throws IOException;

    /** Whether {@code p} is the storage's own bookkeeping (lock files, empty content directories), not data. */
    protected abstract boolean bookkeeping(Path p);

    /** Where the storage's volumes live for one test: by default a new directory in the test's temp dir. */
    protected Path storageRoot(Path tmp) throws IOException {
        return tmp.resolve("store");
    }

    /** Whether the type holds qcow2 images (btrfs holds raw disks and subvolumes only). */
    protected boolean holdsImageFiles() {
        return true;
    }

    @BeforeEach
    void open() throws Exception {
        root = storageRoot(tmp);
        List<StorageType> types = List.of(type());
        List<SectionType> sections = StorageRegistry.sectionTypes(types);
        StorageConfig config = StorageConfig.parse(section("s1", root), "contract.cfg", sections);
        env = new StorageEnvironment(Linux.system(), new ShutdownGuard(),
                new PrintStream(warnings, true)::println);
        storage = new StorageRegistry(types, config, env).open(new StoreId("s1"));
    }

    protected StorageEnvironment env() {
        return env;
    }

    private VolumeId importBytes(String volname, StreamFormat format, TransferOptions opts, byte[] wire)
            throws IOException {
        return new ImportTransaction(env).run(storage, storage.parseName(volname), format, opts,
                Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
    }

    private byte[] export(VolumeId id, StreamFormat format, TransferOptions opts) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        storage.exportVolume(storage.parseName(id.volName()), format, opts, Channels.newChannel(out), Progress.NONE);
        return out.toByteArray();
    }

    /** A raw+size stream: header, then {@code size} bytes of random data with zero runs. */
    protected static byte[] rawStream(long seed, int size) {
        byte[] body = new byte[size];
        Random r = new Random(seed);
        for (int off = 0; off < size; off += 65536) {
            if (r.nextBoolean()) {
                byte[] chunk = new byte[Math.min(65536, size - off)];
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, body, off, chunk.length);
            }
        }
        return withHeader(size, body);
    }

    private static byte[] withHeader(long declared, byte[] body) {
        byte[] wire = new byte[SizeHeader.BYTES + body.length];
        SizeHeader.encode(declared).get(0, wire, 0, SizeHeader.BYTES);
        System.arraycopy(body, 0, wire, SizeHeader.BYTES, body.length);
        return wire;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** Everything under the storage's root that is not bookkeeping. */
    private List<Path> dataFiles() throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root) && !Files.isDirectory(p) && !bookkeeping(p)).toList();
        }
    }

    @Test
    void formatListsFollowTheRules() throws Exception {
        VolumeName raw = storage.parseName(volname("raw", 0));
        VolumeName qcow2 = storage.parseName(volname("qcow2", 0));
        // the reference's list; volport's own raw+sparse may come before it
        assertThat(storage.importFormats(raw, TransferOptions.DEFAULT)).filteredOn(f -> f != StreamFormat.RAW_SPARSE)
                .containsExactly(StreamFormat.RAW_SIZE);
        assertThat(storage.exportFormats(raw, TransferOptions.DEFAULT)).filteredOn(f -> f != StreamFormat.RAW_SPARSE)
                .containsExactly(StreamFormat.RAW_SIZE);
        assertThat(storage.importFormats(raw, TransferOptions.DEFAULT).indexOf(StreamFormat.RAW_SPARSE)).isLessThan(1);
        if (holdsImageFiles()) {
            assertThat(storage.importFormats(qcow2, WITH_SNAPSHOTS)).containsExactly(StreamFormat.QCOW2_SIZE);
        } else {
            assertThatThrownBy(() -> storage.importFormats(qcow2, WITH_SNAPSHOTS))
                    .isInstanceOf(StorageException.class);
        }
        assertThat(storage.importFormats(raw, WITH_SNAPSHOTS)).isEmpty();
        var incremental = new TransferOptions(Optional.empty(), Optional.of(new SnapshotName("s")), false, List.of(),
                false, Optional.empty());
        assertThat(storage.importFormats(raw, incremental)).isEmpty();
        assertThat(storage.capabilities().imports(StreamFormat.RAW_SIZE)).isTrue();
    }

    /** raw+sparse, where the storage type lists it: into raw (and qcow2 where held), and back out as the same raw bytes. */
    @Test
    void rawSparseRoundTripKeepsEveryByte() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(storage.capabilities().imports(StreamFormat.RAW_SPARSE),
                "this storage type does not take raw+sparse");
        byte[] wire = rawStream(4, 3 << 20);
        VolumeId raw = importBytes(volname("raw", 0), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, wire);
        byte[] sparse = export(raw, StreamFormat.RAW_SPARSE, TransferOptions.DEFAULT);
        assertThat(sparse.length).isLessThan(wire.length); // the zero runs did not travel
        for (String fmt : holdsImageFiles() ? List.of("raw", "qcow2") : List.of("raw")) {
            VolumeId copy = importBytes(volname(fmt, 1), StreamFormat.RAW_SPARSE, TransferOptions.DEFAULT, sparse);
            assertThat(sha256(export(copy, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT))).isEqualTo(sha256(wire));
            storage.free(storage.parseName(copy.volName()));
        }
    }

    @Test
    void rawRoundTripKeepsEveryByte() throws Exception {
        byte[] wire = rawStream(1, 3 << 20);
        VolumeId id = importBytes(volname("raw", 0), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, wire);
        assertThat(id.store()).isEqualTo(new StoreId("s1"));
        assertThat(sha256(export(id, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT))).isEqualTo(sha256(wire));
    }

    @Test
    void rawIntoQcow2ConvertsAndTheImageTravelsVerbatim() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(holdsImageFiles(), "the type holds no qcow2 images");
        byte[] wire = rawStream(2, 2 << 20);
        VolumeId converted = importBytes(volname("qcow2", 0), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, wire);
        assertThat(sha256(export(converted, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT))).isEqualTo(sha256(wire));

        byte[] image = export(converted, StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS);
        VolumeId copy = importBytes(volname("qcow2", 1), StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS, image);
        assertThat(sha256(export(copy, StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS))).isEqualTo(sha256(image));
        assertThat(sha256(export(copy, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT))).isEqualTo(sha256(wire));
    }

    @Test
    void anExistingNameIsRefusedUnlessRenamingIsAllowed() throws Exception {
        String name = volname("raw", 0);
        VolumeId first = importBytes(name, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, rawStream(3, 4096));
        assertThatThrownBy(() -> importBytes(name, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                rawStream(4, 4096))).isInstanceOf(StorageException.class).hasMessageContaining("already exists");
        VolumeId second = importBytes(name, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT.withAllowRename(true),
                rawStream(4, 4096));
        assertThat(second).isNotEqualTo(first);
        assertThat(sha256(export(first, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT)))
                .isEqualTo(sha256(rawStream(3, 4096)));
    }

    @Test
    void wrongFormatsAndSnapshotRulesAreRefusedBeforeReadingAByte() throws Exception {
        byte[] wire = rawStream(5, 4096);
        String raw = volname("raw", 0);
        assertThatThrownBy(() -> importBytes(raw, StreamFormat.TAR_SIZE, TransferOptions.DEFAULT, wire))
                .isInstanceOf(StorageException.class).hasMessageContaining("tar+size");
        assertThatThrownBy(() -> importBytes(raw, StreamFormat.ZFS, TransferOptions.DEFAULT, wire))
                .isInstanceOf(StorageException.class).hasMessageContaining("'zfs' not available");
        assertThatThrownBy(() -> importBytes(raw, StreamFormat.RAW_SIZE, WITH_SNAPSHOTS, wire))
                .hasMessage("format raw+size cannot be imported with snapshots");
        assertThatThrownBy(() -> importBytes(volname("qcow2", 0), StreamFormat.QCOW2_SIZE, TransferOptions.DEFAULT,
                wire)).hasMessage(holdsImageFiles() ? "format qcow2+size cannot be imported without snapshots"
                        : "volume import format 'qcow2+size' not available for storage type '" + type().id() + "'");
        assertThatThrownBy(() -> importBytes(raw, StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS, wire))
                .isInstanceOf(StorageException.class).hasMessageContaining(holdsImageFiles() ? "qcow2+size" : "qcow2");
        assertThat(dataFiles()).isEmpty();
    }

    @Test
    void truncatedAndOverlongStreamsLeaveNothing() throws Exception {
        byte[] body = new byte[100_000];
        new Random(6).nextBytes(body);
        assertThatThrownBy(() -> importBytes(volname("raw", 0), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                withHeader(body.length + 1, body))).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> importBytes(volname("raw", 1), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                withHeader(body.length - 1, body))).isInstanceOf(StorageException.class);
        assertThatThrownBy(() -> importBytes(volname("raw", 2), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                new byte[3])).isInstanceOf(StorageException.class);
        if (holdsImageFiles()) {
            assertThatThrownBy(() -> importBytes(volname("qcow2", 3), StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS,
                    withHeader(1 << 20, body))).isInstanceOf(StorageException.class);
        }
        assertThat(dataFiles()).isEmpty();
        assertThat(storage.list(java.util.OptionalInt.empty())).isEmpty();
    }

    @Test
    void aKilledImportsLeftoverIsRemovedByTheNextImport() throws Exception {
        importBytes(volname("raw", 1), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, rawStream(7, 4096));
        Path leftover = plantLeftover(volname("raw", 0));
        assertThat(leftover).exists();
        importBytes(volname("raw", 2), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, rawStream(8, 4096));
        assertThat(leftover).doesNotExist();
        assertThat(warnings.toString()).contains("left by an interrupted import");
        // the name it reserved is free again
        importBytes(volname("raw", 0), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, rawStream(9, 4096));
        assertThat(storage.list(java.util.OptionalInt.empty())).hasSize(3);
    }

    @Test
    void eightConcurrentImportsWithAllowRenameGetDistinctNames() throws Exception {
        String name = volname("raw", 0);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<VolumeId>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] wire = rawStream(100 + i, 256 << 10);
                futures.add(pool.submit(() -> importBytes(name, StreamFormat.RAW_SIZE,
                        TransferOptions.DEFAULT.withAllowRename(true), wire)));
            }
            Set<VolumeId> ids = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                VolumeId id = futures.get(i).get();
                ids.add(id);
                assertThat(sha256(export(id, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT)))
                        .isEqualTo(sha256(rawStream(100 + i, 256 << 10)));
            }
            assertThat(ids).hasSize(8);
        } finally {
            pool.shutdownNow();
        }
    }
}
