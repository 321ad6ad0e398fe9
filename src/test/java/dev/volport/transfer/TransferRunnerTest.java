package dev.volport.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.api.Volport;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner between two real {@code dir} storages in a temporary directory. */
class TransferRunnerTest {
    private static final TransferOptions PLAIN = TransferOptions.DEFAULT;
    private static final TransferOptions WITH_SNAPSHOTS = new TransferOptions(Optional.empty(), Optional.empty(),
            true, List.of(), false, Optional.empty());

    @TempDir
    Path tmp;
    private Storage src;
    private Storage dst;
    private ImportTransaction imports;
    private final ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    private Set<Thread> threadsBefore;
    private Thread caller;

    @BeforeEach
    void storages() throws IOException {
        StorageEnvironment env = new StorageEnvironment(Linux.system(), new ShutdownGuard(),
                new PrintStream(warnings, true)::println);
        imports = new ImportTransaction(env);
        StorageRegistry registry = new StorageRegistry(Volport.builtInTypes(), StorageConfig.of(List.of(
                section("src", tmp.resolve("src")), section("dst", tmp.resolve("dst")))), env);
        src = registry.open(StoreId.parse("src"));
        dst = registry.open(StoreId.parse("dst"));
        threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
    }

    @AfterEach
    void noThreadLeftRunning() {
        Set<Thread> now = new HashSet<>(Thread.getAllStackTraces().keySet());
        now.removeAll(threadsBefore);
        // the JDK's virtual-thread scheduler (carriers and unblocker, started by the raw+sparse digest's virtual
        // threads) is shared by the whole JVM and outlives any one transfer by design
        assertThat(now.stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> !n.startsWith("ForkJoinPool-") && !n.equals("VirtualThread-unblocker")))
                .as("threads left running").isEmpty();
    }

    private static StorageSection section(String id, Path path) throws IOException {
        return StorageSection.builder(Volport.section("dir"), StoreId.parse(id)).property("path", path.toString())
                .property("content", "images,rootdir").build();
    }

    private static VolumeId id(String text) throws IOException {
        return VolumeId.parse(text);
    }

    /** A raw volume on {@code src}: {@code size} bytes, pseudo-random data in every other MiB. */
    private byte[] rawVolume(String volname, int size) throws IOException {
        byte[] data = new byte[size];
        Random rnd = new Random(size);
        for (int pos = 0; pos < size; pos += 2 << 20) {
            byte[] chunk = new byte[Math.min(1 << 20, size - pos)];
            rnd.nextBytes(chunk);
            System.arraycopy(chunk, 0, data, pos, chunk.length);
        }
        importInto(src, volname, data);
        return data;
    }

    private void importInto(Storage s, String volname, byte[] data) throws IOException {
        ByteBuffer wire = ByteBuffer.allocate(8 + data.length);
        wire.put(SizeHeader.encode(data.length)).put(data).flip();
        imports.run(s, s.parseName(volname), StreamFormat.RAW_SIZE, PLAIN,
                Channels.newChannel(new ByteArrayInputStream(wire.array())), Progress.NONE);
    }

    private TransferRequest request(String from, String to, TransferOptions opts, long kibps) throws IOException {
        return TransferRequest.negotiate(src, id(from), dst, id(to), opts, Optional.empty(),
                new BandwidthLimit(kibps));
    }

    /** As {@link #request}, in the reference's {@code raw+size} asked for explicitly. */
    private TransferRequest rawSize(String from, String to, long kibps) throws IOException {
        return TransferRequest.negotiate(src, id(from), dst, id(to), PLAIN, Optional.of(StreamFormat.RAW_SIZE),
                new BandwidthLimit(kibps));
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** Every file and directory below {@code root}, lock files aside. */
    private static List<String> tree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root) && !p.getFileName().toString().equals(".volport.lock"))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    private static boolean staging(Path dir) throws IOException {
        return tree(dir).stream().anyMatch(n -> n.contains(".volport-staging."));
    }

    private void awaitStaging() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!staging(tmp.resolve("dst"))) {
            assertThat(System.nanoTime()).as("the import started staging").isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void rawRoundTripIsIdenticalAndProgressCountsThePipe() throws Exception {
        byte[] data = rawVolume("100/vm-100-disk-0.raw", 5 << 20);
        RecordingProgress progress = new RecordingProgress();
        // a bandwidth limit (10 GB/s, never reached) makes dir to dir stream instead of copying in place
        TransferResult r = new TransferRunner(imports, Linux.system()::growPipe)
                .run(rawSize("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", 10_000_000), progress);
        assertThat(r.imported()).isEqualTo(id("dst:100/vm-100-disk-0.raw"));
        assertThat(r.format()).isEqualTo(StreamFormat.RAW_SIZE);
        assertThat(r.local()).isFalse();
        assertThat(r.bytes()).isEqualTo(8 + data.length);
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(sha256(data));
        assertThat(progress.starts).hasValue(1);
        assertThat(progress.total).hasValue(8L + data.length);
        assertThat(progress.advanced).hasValue(8L + data.length);
        assertThat(progress.finishes).hasValue(1);
    }

    @Test
    void withoutALimitARawDiskIsCopiedInPlaceDataRangesOnly() throws Exception {
        byte[] data = rawVolume("100/vm-100-disk-0.raw", 5 << 20); // 3 MiB of data, every other MiB a hole
        RecordingProgress progress = new RecordingProgress();
        TransferResult r = new TransferRunner(imports, Linux.system()::growPipe)
                .run(rawSize("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", 0), progress);
        assertThat(r.inPlace()).hasValue("the data ranges copied file to file (holes kept, no stream)");
        assertThat(r.bytes()).isEqualTo(3L << 20); // the data, not the holes
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(sha256(data));
        assertThat(progress.starts).hasValue(1);
        assertThat(progress.total).hasValue((long) data.length);
        assertThat(progress.advanced).hasValue((long) data.length);
        assertThat(progress.finishes).hasValue(1);
    }

    @Test
    void qcow2TravelsVerbatimOrAsRawAndTarKeepsTheTree() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(7).nextBytes(data);
        importInto(src, "100/vm-100-disk-1.qcow2", data); // converted into a qcow2 image on the way in
        Path qcow2 = tmp.resolve("src/images/100/vm-100-disk-1.qcow2");

        TransferResult verbatim = new TransferRunner(imports).run(request("src:100/vm-100-disk-1.qcow2",
                "dst:100/vm-100-disk-1.qcow2", WITH_SNAPSHOTS, 0), Progress.NONE);
        assertThat(verbatim.format()).isEqualTo(StreamFormat.QCOW2_SIZE);
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-1.qcow2"))).isEqualTo(sha256(qcow2));

        TransferResult asRaw = new TransferRunner(imports).run(rawSize("src:100/vm-100-disk-1.qcow2",
                "dst:100/vm-100-disk-2.raw", 0), Progress.NONE);
        assertThat(asRaw.format()).isEqualTo(StreamFormat.RAW_SIZE);
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-2.raw"))).isEqualTo(sha256(data));

        // both sides list raw+sparse first, but a transfer on one host negotiates raw+size (no network to cross)
        assertThat(request("src:100/vm-100-disk-1.qcow2", "dst:100/vm-100-disk-3.raw", PLAIN, 0).format())
                .isEqualTo(StreamFormat.RAW_SIZE);
        // raw+sparse when asked for: the same content, fewer bytes for zeros
        TransferResult sparse = new TransferRunner(imports).run(TransferRequest.negotiate(src,
                id("src:100/vm-100-disk-1.qcow2"), dst, id("dst:100/vm-100-disk-3.raw"), PLAIN,
                Optional.of(StreamFormat.RAW_SPARSE), new BandwidthLimit(0)), Progress.NONE);
        assertThat(sparse.format()).isEqualTo(StreamFormat.RAW_SPARSE);
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-3.raw"))).isEqualTo(sha256(data));

        VolumeId subvol = src.alloc(101, Optional.of("subvol-101-disk-0.subvol"), DiskFormat.SUBVOL, 0);
        Path tree = src.path(src.parseName(subvol.volName()));
        Files.createDirectories(tree.resolve("etc/deep"));
        Files.write(tree.resolve("etc/deep/file"), data);
        Files.writeString(tree.resolve("hello"), "hello\n");
        TransferResult tar = new TransferRunner(imports).run(request("src:101/subvol-101-disk-0.subvol",
                "dst:101/subvol-101-disk-0.subvol", PLAIN, 0), Progress.NONE);
        assertThat(tar.format()).isEqualTo(StreamFormat.TAR_SIZE);
        Path copy = tmp.resolve("dst/images/101/subvol-101-disk-0.subvol");
        assertThat(tree(copy)).isEqualTo(tree(tree));
        assertThat(sha256(copy.resolve("etc/deep/file"))).isEqualTo(sha256(data));
        assertThat(copy.resolve("hello")).hasContent("hello");
    }

    @Test
    void anExportFailingMidStreamIsTheCauseAndTheImportLeavesNothing() throws Exception {
        rawVolume("100/vm-100-disk-0.raw", 8 << 20);
        fill(tmp.resolve("src/images/100/vm-100-disk-0.raw")); // all data: one extent, no holes
        TransferRunner runner = new TransferRunner(imports);
        FutureTask<TransferResult> copy = start(runner,
                request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 1024));
        awaitStaging(); // header sent, body on its way at 1 MiB/s
        try (FileChannel ch = FileChannel.open(tmp.resolve("src/images/100/vm-100-disk-0.raw"),
                StandardOpenOption.WRITE)) {
            ch.truncate(4096); // the volume shrinks under the running export
        }
        TransferException e = failure(copy);
        // the exporter notices the shrink either in a data range (sendfile comes up short) or at the hole to
        // the end (the file is shorter than the size sent); both fail before a zero is sent for a lost byte
        assertThat(e.getMessage()).startsWith("export of src:100/vm-100-disk-0.raw failed: ").contains("4096")
                .containsPattern("shr[ai]nk");
        assertThat(e.getSuppressed()).hasSize(1);
        assertThat(e.getSuppressed()[0].getMessage())
                .startsWith("import into dst:100/vm-100-disk-0.raw stopped because the export failed")
                .contains("cut off after");
        assertThat(tree(tmp.resolve("dst/images"))).isEmpty();
    }

    @Test
    void anImportFailingAtOnceStopsTheExporter() throws Exception {
        byte[] data = rawVolume("100/vm-100-disk-0.raw", 64 << 20);
        fill(tmp.resolve("src/images/100/vm-100-disk-0.raw")); // 64 MiB of data: far more than the pipe holds
        importInto(dst, "100/vm-100-disk-0.raw", new byte[4096]);
        String before = sha256(tmp.resolve("dst/images/100/vm-100-disk-0.raw"));
        long t0 = System.nanoTime();
        TransferException e = catchThrowableOfType(TransferException.class, () -> new TransferRunner(imports)
                .run(request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 1024), Progress.NONE));
        assertThat(System.nanoTime() - t0).as("stopped promptly, not after 64 s at 1 MiB/s")
                .isLessThan(TimeUnit.SECONDS.toNanos(10));
        assertThat(e.getMessage()).isEqualTo("import into dst:100/vm-100-disk-0.raw failed: file '"
                + tmp.resolve("dst/images/100/vm-100-disk-0.raw") + "' already exists");
        assertThat(e.getSuppressed()).hasSize(1);
        assertThat(e.getSuppressed()[0].getMessage())
                .startsWith("export of src:100/vm-100-disk-0.raw stopped because the import failed");
        assertThat(sha256(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(before);
        assertThat(tree(tmp.resolve("dst/images"))).containsExactly("100", "100/vm-100-disk-0.raw");
        assertThat(data).hasSize(64 << 20);
    }

    @Test
    void cancelStopsBothSidesAndRemovesTheStagingFile() throws Exception {
        rawVolume("100/vm-100-disk-0.raw", 8 << 20);
        TransferRunner runner = new TransferRunner(imports);
        FutureTask<TransferResult> copy = start(runner,
                request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 512));
        awaitStaging();
        long t0 = System.nanoTime();
        runner.cancel();
        TransferException e = failure(copy);
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
        assertThat(e.getMessage()).isEqualTo("transfer of src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-0.raw"
                + " cancelled");
        assertThat(Stream.of(e.getSuppressed()).map(Throwable::getMessage))
                .allMatch(m -> m.contains("stopped because the transfer was cancelled"));
        assertThat(tree(tmp.resolve("dst/images"))).isEmpty();
    }

    @Test
    void cancelEndsAnImportWaitingForTheStorageLock() throws Exception {
        rawVolume("100/vm-100-disk-0.raw", 1 << 20);
        Path lockFile = Files.createDirectories(tmp.resolve("dst")).resolve(".volport.lock");
        // an open file description lock: a second open of the same file conflicts even inside this JVM, as
        // another process's alloc or import would
        try (LinuxCalls.OfdLock held = Linux.system().lockWaiting(lockFile)) {
            TransferRunner runner = new TransferRunner(imports);
            FutureTask<TransferResult> copy = start(runner,
                    request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 0));
            Thread.sleep(1000); // the importer has read the header and waits for the lock (it cannot get further)
            assertThat(copy.isDone()).as("the import waits for the lock").isFalse();
            long t0 = System.nanoTime();
            runner.cancel();
            Throwable thrown = catchThrowableOfType(ExecutionException.class, () -> copy.get(5, TimeUnit.SECONDS));
            assertThat(thrown).as("run returned within 5 s of the cancel").isNotNull();
            assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.SECONDS.toNanos(5));
            caller.join();
            assertThat(thrown.getCause()).isInstanceOf(TransferException.class).hasMessage(
                    "transfer of src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-0.raw cancelled");
            assertThat(Stream.of(thrown.getCause().getSuppressed()).map(Throwable::getMessage))
                    .contains("import into dst:100/vm-100-disk-0.raw stopped because the transfer was cancelled:"
                            + " cannot lock '" + lockFile + "': the wait for it was cancelled");
            assertThat(tree(tmp.resolve("dst/images"))).isEmpty();
        }
    }

    @Test
    void interruptingTheCallerCancelsAndKeepsTheInterrupt() throws Exception {
        rawVolume("100/vm-100-disk-0.raw", 8 << 20);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        TransferRequest req = request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 512);
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                new TransferRunner(imports).run(req, Progress.NONE);
            } catch (Throwable t) {
                thrown.set(t);
            }
            stillInterrupted.set(Thread.currentThread().isInterrupted());
        });
        awaitStaging();
        caller.interrupt();
        caller.join(TimeUnit.SECONDS.toMillis(10));
        assertThat(caller.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(TransferException.class).hasMessageEndingWith(" cancelled");
        assertThat(stillInterrupted.get()).isTrue();
        assertThat(tree(tmp.resolve("dst/images"))).isEmpty();
    }

    @Test
    void theRateLimitHolds() throws Exception {
        byte[] data = rawVolume("100/vm-100-disk-0.raw", 8 << 20);
        fill(tmp.resolve("src/images/100/vm-100-disk-0.raw"));
        long t0 = System.nanoTime();
        new TransferRunner(imports).run(request("src:100/vm-100-disk-0.raw", "dst:100/vm-100-disk-0.raw", PLAIN, 4096),
                Progress.NONE);
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(secs).as("8 MiB at 4096 KiB/s: 2 s").isBetween(1.5, 4.0);
        assertThat(Files.size(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(data.length);
    }

    @Test
    void aFormatBothSidesLackIsRefusedBeforeAnythingRuns() throws Exception {
        rawVolume("100/vm-100-disk-0.raw", 1 << 20);
        NegotiationException e = catchThrowableOfType(NegotiationException.class, () -> TransferRequest.negotiate(
                src, id("src:100/vm-100-disk-0.raw"), dst, id("dst:100/vm-100-disk-0.raw"), PLAIN,
                Optional.of(StreamFormat.QCOW2_SIZE), BandwidthLimit.UNLIMITED));
        assertThat(e.getMessage()).isEqualTo("cannot transfer src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-0.raw"
                + " as qcow2+size: both sides support only raw+sparse, raw+size with these options");
        assertThat(tree(tmp.resolve("dst"))).isEmpty();
    }

    /** Overwrites the whole file with non-zero bytes, so it has no holes. */
    private static void fill(Path file) throws IOException {
        byte[] ones = new byte[1 << 20];
        java.util.Arrays.fill(ones, (byte) 0x5a);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long pos = 0; pos < ch.size(); pos += ones.length) {
                ch.write(ByteBuffer.wrap(ones, 0, (int) Math.min(ones.length, ch.size() - pos)), pos);
            }
            ch.force(true);
        }
    }

    /** Runs the transfer on a thread of its own (not a pool's, which would outlive the test). */
    private FutureTask<TransferResult> start(TransferRunner runner, TransferRequest req) {
        FutureTask<TransferResult> task = new FutureTask<>(() -> runner.run(req, Progress.NONE));
        caller = Thread.ofPlatform().name("test-caller").start(task);
        return task;
    }

    private TransferException failure(FutureTask<TransferResult> f) throws Exception {
        try {
            f.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(TransferException.class);
            caller.join(); // it ends right after handing the result over
            return (TransferException) e.getCause();
        }
        throw new AssertionError("the transfer succeeded");
    }

    /** Records what the runner reports. */
    private static final class RecordingProgress implements Progress {
        final AtomicLong starts = new AtomicLong();
        final AtomicLong total = new AtomicLong(-2);
        final AtomicLong advanced = new AtomicLong();
        final AtomicLong finishes = new AtomicLong();

        @Override
        public void start(String what, long totalBytes) {
            starts.incrementAndGet();
            total.set(totalBytes);
            assertThat(what).isEqualTo("copy src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-0.raw");
        }

        @Override
        public void advance(long bytes) {
            advanced.addAndGet(bytes);
        }

        @Override
        public void finish() {
            finishes.incrementAndGet();
        }
    }
}
