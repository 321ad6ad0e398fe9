package dev.volport.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.SectionType;
import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.format.tar.TarExporter;
import dev.volport.format.tar.TarOptions;
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
 *
 * <p>The checks run on the volumes {@link #volumes()} names: raw disk images in {@code raw+size} streams by default
 * ({@link Volumes#IMAGES}), or container volumes in {@code tar+size} streams ({@link Volumes#CONTAINERS}) for a type
 * whose disk images cannot be tested here (zfspool on zfs-fuse, which has no zvols). The image-only checks
 * ({@code raw+sparse}, qcow2) are skipped for containers, with that reason.
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

    /** The two kinds of volume the contract can run on. */
    protected enum Volumes {
        /** raw disk images ({@code volname("raw", n)}), moved as {@code raw+size}; round trips keep every byte */
        IMAGES("raw", StreamFormat.RAW_SIZE, StreamFormat.TAR_SIZE),
        /** container volumes ({@code volname("subvol", n)}), moved as {@code tar+size}; round trips keep every file */
        CONTAINERS("subvol", StreamFormat.TAR_SIZE, StreamFormat.RAW_SIZE);

        final String diskFormat;
        final StreamFormat format;
        /** The other one-state format, which a volume of this kind refuses. */
        final StreamFormat wrong;

        Volumes(String diskFormat, StreamFormat format, StreamFormat wrong) {
            this.diskFormat = diskFormat;
            this.format = format;
            this.wrong = wrong;
        }
    }

    /** The volumes the checks run on: raw images by default. */
    protected Volumes volumes() {
        return Volumes.IMAGES;
    }

    /**
     * The type's own send format ({@code zfs}, {@code btrfs}) where it may come before the one-state format in the
     * lists, and is the only one with snapshots or a base.
     */
    protected Optional<StreamFormat> sendFormat() {
        return Optional.empty();
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

    /** The {@code n}th distinct name of the contract's volumes. */
    private String name(int n) {
        return volname(volumes().diskFormat, n);
    }

    /**
     * A valid stream of the contract's volumes, the same bytes for the same arguments: {@link #rawStream}, or a
     * {@code tar+size} stream (no quota) of a tree of about {@code size} bytes made by {@link #tree}.
     */
    protected byte[] stream(long seed, int size) throws IOException {
        if (volumes() == Volumes.IMAGES) {
            return rawStream(seed, size);
        }
        try {
            return tarStreams.computeIfAbsent(seed + "-" + size, k -> {
                try {
                    Path dir = Files.createDirectories(tmp.resolve("trees").resolve(k));
                    tree(dir, seed, size);
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    var ch = Channels.newChannel(out);
                    SizeHeader.write(ch, 0);
                    new TarExporter().export(dir, ch, TarOptions.DEFAULTS, Progress.NONE);
                    return out.toByteArray();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, byte[]> tarStreams =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A container's tree: nested directories, an empty one, a file of random bytes, one with a long zero run, an
     * empty file, a symlink, an unusual mode, a file owned by uid/gid 1234 (the tests run as root), fixed
     * modification times.
     */
    protected static void tree(Path dir, long seed, int size) throws IOException {
        Random r = new Random(seed);
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.createDirectories(dir.resolve("var/empty"));
        Files.writeString(etc.resolve("hostname"), "ct-" + seed + "\n");
        byte[] data = new byte[size / 2];
        r.nextBytes(data);
        Files.write(dir.resolve("data.bin"), data);
        byte[] zeros = new byte[size / 2 + 4096];
        byte[] tail = new byte[4096];
        r.nextBytes(tail);
        System.arraycopy(tail, 0, zeros, size / 2, tail.length);
        Files.write(dir.resolve("var/mostly-zero"), zeros);
        Files.write(dir.resolve("var/empty-file"), new byte[0]);
        Files.createSymbolicLink(dir.resolve("hostname"), Path.of("etc/hostname"));
        Files.setPosixFilePermissions(etc.resolve("hostname"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(dir.resolve("data.bin"), "unix:uid", 1234);
        Files.setAttribute(dir.resolve("data.bin"), "unix:gid", 1234);
        var time = java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L + seed * 1000);
        for (Path p : List.of(etc.resolve("hostname"), dir.resolve("data.bin"), dir.resolve("var/mostly-zero"),
                dir.resolve("var/empty-file"))) {
            Files.setLastModifiedTime(p, time);
        }
    }

    /**
     * What a round trip must keep of a stream: for images its sha256; for containers the tree it holds (GNU tar
     * extracts it): every path with its type, permissions, and a file's size, mtime and sha256 or a link's target.
     */
    protected String content(byte[] stream) throws Exception {
        if (volumes() == Volumes.IMAGES) {
            return sha256(stream);
        }
        Path dir = Files.createTempDirectory(tmp, "extract");
        Path file = dir.resolveSibling(dir.getFileName() + ".tar");
        Files.write(file, java.util.Arrays.copyOfRange(stream, SizeHeader.BYTES, stream.length));
        Process tar = new ProcessBuilder("tar", "-x", "--numeric-owner", "-p", "-f", file.toString(), "-C",
                dir.toString()).redirectErrorStream(true).start();
        String out = new String(tar.getInputStream().readAllBytes());
        assertThat(tar.waitFor()).as("GNU tar extracting a stream: %s", out).isZero();
        StringBuilder dump = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(p -> !p.equals(dir)).sorted().toList()) {
                var attrs = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                dump.append(dir.relativize(p)).append(' ')
                        .append(Files.getAttribute(p, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).append(':')
                        .append(Files.getAttribute(p, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS)).append(' ');
                if (attrs.isSymbolicLink()) {
                    dump.append("-> ").append(Files.readSymbolicLink(p));
                } else {
                    dump.append(java.nio.file.attribute.PosixFilePermissions.toString(attrs.permissions()));
                    if (attrs.isRegularFile()) {
                        dump.append(' ').append(attrs.size()).append(' ').append(attrs.lastModifiedTime())
                                .append(' ').append(sha256(Files.readAllBytes(p)));
                    }
                }
                dump.append('\n');
            }
        }
        assertThat(dump).as("the tree of a tar+size stream").isNotEmpty();
        return dump.toString();
    }

    /** Streams each import must refuse and leave nothing of: cut short, running on past its end, no header. */
    private List<byte[]> brokenStreams() throws IOException {
        byte[] tooShort = new byte[3];
        if (volumes() == Volumes.IMAGES) {
            byte[] body = new byte[100_000];
            new Random(6).nextBytes(body);
            return List.of(withHeader(body.length + 1, body), withHeader(body.length - 1, body), tooShort);
        }
        byte[] good = stream(6, 100_000);
        byte[] junk = new byte[4096];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        byte[] overlong = java.util.Arrays.copyOf(good, good.length + junk.length);
        System.arraycopy(junk, 0, overlong, good.length, junk.length);
        return List.of(java.util.Arrays.copyOf(good, good.length / 2), overlong, tooShort);
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
        VolumeName vol = storage.parseName(name(0));
        StreamFormat format = volumes().format;
        // the reference's list; volport's own raw+sparse, and the type's send format, may come before it
        List<StreamFormat> ahead = new ArrayList<>(List.of(StreamFormat.RAW_SPARSE));
        sendFormat().ifPresent(ahead::add);
        assertThat(storage.importFormats(vol, TransferOptions.DEFAULT)).filteredOn(f -> !ahead.contains(f))
                .containsExactly(format);
        assertThat(storage.exportFormats(vol, TransferOptions.DEFAULT)).filteredOn(f -> !ahead.contains(f))
                .containsExactly(format);
        assertThat(storage.importFormats(vol, TransferOptions.DEFAULT).indexOf(format)).isLessThan(ahead.size() + 1);
        if (volumes() == Volumes.IMAGES) {
            VolumeName qcow2 = storage.parseName(volname("qcow2", 0));
            if (holdsImageFiles()) {
                assertThat(storage.importFormats(qcow2, WITH_SNAPSHOTS)).containsExactly(StreamFormat.QCOW2_SIZE);
            } else {
                assertThatThrownBy(() -> storage.importFormats(qcow2, WITH_SNAPSHOTS))
                        .isInstanceOf(StorageException.class);
            }
        }
        // with snapshots or a base only the send format is left
        assertThat(storage.importFormats(vol, WITH_SNAPSHOTS)).isSubsetOf(sendFormat().stream().toList());
        var incremental = new TransferOptions(Optional.empty(), Optional.of(new SnapshotName("s")), false, List.of(),
                false, Optional.empty());
        assertThat(storage.importFormats(vol, incremental)).isSubsetOf(sendFormat().stream().toList());
        assertThat(storage.capabilities().imports(format)).isTrue();
    }

    /** raw+sparse, where the storage type lists it: into raw (and qcow2 where held), and back out as the same raw bytes. */
    @Test
    void rawSparseRoundTripKeepsEveryByte() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(volumes() == Volumes.IMAGES,
                "raw+sparse carries disk images; this type runs the contract on container volumes");
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

    /** raw+size keeps every byte; tar+size every file with its metadata. */
    @Test
    void roundTripKeepsEveryByte() throws Exception {
        byte[] wire = stream(1, 3 << 20);
        VolumeId id = importBytes(name(0), volumes().format, TransferOptions.DEFAULT, wire);
        assertThat(id.store()).isEqualTo(new StoreId("s1"));
        assertThat(content(export(id, volumes().format, TransferOptions.DEFAULT))).isEqualTo(content(wire));
    }

    @Test
    void rawIntoQcow2ConvertsAndTheImageTravelsVerbatim() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(holdsImageFiles() && volumes() == Volumes.IMAGES,
                "the type holds no qcow2 images");
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
        String name = name(0);
        StreamFormat format = volumes().format;
        VolumeId first = importBytes(name, format, TransferOptions.DEFAULT, stream(3, 4096));
        assertThatThrownBy(() -> importBytes(name, format, TransferOptions.DEFAULT,
                stream(4, 4096))).isInstanceOf(StorageException.class).hasMessageContaining("already exists");
        VolumeId second = importBytes(name, format, TransferOptions.DEFAULT.withAllowRename(true),
                stream(4, 4096));
        assertThat(second).isNotEqualTo(first);
        assertThat(content(export(first, format, TransferOptions.DEFAULT))).isEqualTo(content(stream(3, 4096)));
        assertThat(content(export(second, format, TransferOptions.DEFAULT))).isEqualTo(content(stream(4, 4096)));
    }

    @Test
    void wrongFormatsAndSnapshotRulesAreRefusedBeforeReadingAByte() throws Exception {
        byte[] wire = stream(5, 4096);
        String vol = name(0);
        StreamFormat format = volumes().format;
        assertThatThrownBy(() -> importBytes(vol, volumes().wrong, TransferOptions.DEFAULT, wire))
                .isInstanceOf(StorageException.class).hasMessageContaining(volumes().wrong.toString());
        for (StreamFormat other : StreamFormat.values()) {
            if (!storage.capabilities().imports(other)) {
                assertThatThrownBy(() -> importBytes(vol, other, TransferOptions.DEFAULT, wire))
                        .isInstanceOf(StorageException.class).hasMessageContaining("'" + other + "' not available");
            }
        }
        assertThatThrownBy(() -> importBytes(vol, format, WITH_SNAPSHOTS, wire))
                .hasMessage("format " + format + " cannot be imported with snapshots");
        if (volumes() == Volumes.IMAGES) {
            assertThatThrownBy(() -> importBytes(volname("qcow2", 0), StreamFormat.QCOW2_SIZE,
                    TransferOptions.DEFAULT, wire)).hasMessage(holdsImageFiles()
                            ? "format qcow2+size cannot be imported without snapshots"
                            : "volume import format 'qcow2+size' not available for storage type '" + type().id() + "'");
            assertThatThrownBy(() -> importBytes(vol, StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS, wire))
                    .isInstanceOf(StorageException.class).hasMessageContaining(holdsImageFiles() ? "qcow2+size" : "qcow2");
        }
        assertThat(dataFiles()).isEmpty();
        assertThat(storage.list(java.util.OptionalInt.empty())).isEmpty();
    }

    @Test
    void truncatedAndOverlongStreamsLeaveNothing() throws Exception {
        List<byte[]> broken = brokenStreams();
        for (int i = 0; i < broken.size(); i++) {
            byte[] wire = broken.get(i);
            assertThatThrownBy(() -> importBytes(name(0), volumes().format, TransferOptions.DEFAULT, wire))
                    .as("broken stream %d", i).isInstanceOf(StorageException.class);
        }
        if (holdsImageFiles() && volumes() == Volumes.IMAGES) {
            byte[] body = new byte[100_000];
            new Random(6).nextBytes(body);
            assertThatThrownBy(() -> importBytes(volname("qcow2", 3), StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS,
                    withHeader(1 << 20, body))).isInstanceOf(StorageException.class);
        }
        assertThat(dataFiles()).isEmpty();
        assertThat(storage.list(java.util.OptionalInt.empty())).isEmpty();
    }

    @Test
    void aKilledImportsLeftoverIsRemovedByTheNextImport() throws Exception {
        StreamFormat format = volumes().format;
        importBytes(name(1), format, TransferOptions.DEFAULT, stream(7, 4096));
        Path leftover = plantLeftover(name(0));
        assertThat(leftover).exists();
        importBytes(name(2), format, TransferOptions.DEFAULT, stream(8, 4096));
        assertThat(leftover).doesNotExist();
        assertThat(warnings.toString()).contains("left by an interrupted import");
        // the name it reserved is free again
        importBytes(name(0), format, TransferOptions.DEFAULT, stream(9, 4096));
        assertThat(storage.list(java.util.OptionalInt.empty())).hasSize(3);
    }

    @Test
    void eightConcurrentImportsWithAllowRenameGetDistinctNames() throws Exception {
        String name = name(0);
        StreamFormat format = volumes().format;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<VolumeId>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                byte[] wire = stream(100 + i, 256 << 10);
                futures.add(pool.submit(() -> importBytes(name, format,
                        TransferOptions.DEFAULT.withAllowRename(true), wire)));
            }
            Set<VolumeId> ids = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                VolumeId id = futures.get(i).get();
                ids.add(id);
                assertThat(content(export(id, format, TransferOptions.DEFAULT)))
                        .isEqualTo(content(stream(100 + i, 256 << 10)));
            }
            assertThat(ids).hasSize(8);
        } finally {
            pool.shutdownNow();
        }
    }
}
