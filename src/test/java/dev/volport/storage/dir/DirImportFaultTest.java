package dev.volport.storage.dir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.volport.api.Volport;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.Linux;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.testing.FaultyLinux;
import dev.volport.testing.FaultyLinux.Errno;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Imports into a dir storage whose Linux calls fail as a full or broken disk makes them fail, through the
 * {@link Linux} seam (no root, no small filesystem): ENOSPC and EIO at the first write, in the middle and at the
 * flush, for each way a stream lands (sparse raw copy, raw converted into qcow2, a qcow2 file verbatim); writes cut
 * short; EEXIST at the commit rename. Each failure is one line naming the volume, the staging file and the kernel's
 * reason, and leaves nothing behind but the storage's lock file.
 */
class DirImportFaultTest {
    private static final int SIZE = 3 << 20;
    private static final TransferOptions WITH_SNAPSHOTS =
            new TransferOptions(Optional.empty(), Optional.empty(), true, List.of(), false, Optional.empty());

    @TempDir
    Path tmp;

    private DirStorage open(Linux linux) throws IOException {
        StorageSection s = StorageSection.builder(Volport.section("dir"), StoreId.parse("st"))
                .property("path", tmp.resolve("st").toString()).build();
        return new DirStorage(s, new StorageEnvironment(linux, new ShutdownGuard(), line -> { }));
    }

    /** A raw+size stream of {@code SIZE} random (so never skipped as zero) bytes. */
    private static byte[] rawStream() {
        byte[] out = new byte[8 + SIZE];
        ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(SIZE);
        byte[] body = new byte[SIZE];
        new Random(11).nextBytes(body);
        System.arraycopy(body, 0, out, 8, SIZE);
        return out;
    }

    /** A qcow2+size stream of an image holding {@link #rawStream()}, made by volport itself in another storage. */
    private byte[] qcow2Stream() throws IOException {
        Path other = tmp.resolve("maker");
        StorageSection s = StorageSection.builder(Volport.section("dir"), StoreId.parse("maker"))
                .property("path", other.toString()).build();
        DirStorage maker = new DirStorage(s, new StorageEnvironment(Linux.system(), new ShutdownGuard(), l -> { }));
        importInto(maker, "100/vm-100-disk-0.qcow2", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, rawStream());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        maker.exportVolume(maker.parseName("100/vm-100-disk-0.qcow2"), StreamFormat.QCOW2_SIZE, WITH_SNAPSHOTS,
                Channels.newChannel(out), Progress.NONE);
        return out.toByteArray();
    }

    private static VolumeId importInto(DirStorage storage, String volname, StreamFormat format, TransferOptions opts,
            byte[] stream) throws IOException {
        return new ImportTransaction(storage.env()).run(storage, storage.parseName(volname), format, opts,
                Channels.newChannel(new ByteArrayInputStream(stream)), Progress.NONE);
    }

    private byte[] rawContent(DirStorage storage, String volname) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        storage.exportVolume(storage.parseName(volname), StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                Channels.newChannel(out), Progress.NONE);
        byte[] all = out.toByteArray();
        return java.util.Arrays.copyOfRange(all, 8, all.length);
    }

    /** Everything in the storage but its lock file: must be empty after a failed import. */
    private List<Path> leftovers() throws IOException {
        Path root = tmp.resolve("st");
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !p.equals(root) && !p.getFileName().toString().equals(".volport.lock"))
                    .filter(p -> !Files.isDirectory(p) || !List.of("images", "private", "template", "snippets",
                            "import", "dump", "iso", "cache").contains(p.getFileName().toString()))
                    .toList();
        }
    }

    enum Where { FIRST_WRITE, MIDDLE, FLUSH }

    static Stream<Arguments> faults() {
        return Stream.of("raw", "qcow2", "qcow2+size").flatMap(landing -> Stream.of(Where.values())
                .flatMap(where -> Stream.of(Errno.ENOSPC, Errno.EIO).map(e -> Arguments.of(landing, where, e))));
    }

    @ParameterizedTest(name = "{0}: {2} at {1}")
    @MethodSource("faults")
    void aFailingDiskLeavesNothingAndSaysWhy(String landing, Where where, Errno errno) throws Exception {
        boolean verbatim = landing.equals("qcow2+size");
        byte[] stream = verbatim ? qcow2Stream() : rawStream();
        String volname = "100/vm-100-disk-0." + (landing.equals("raw") ? "raw" : "qcow2");
        FaultyLinux linux = new FaultyLinux();
        switch (where) {
            case FIRST_WRITE -> linux.failWritesAfter(0, errno);
            case MIDDLE -> linux.failWritesAfter(SIZE / 2, errno);
            case FLUSH -> linux.failFlush(errno);
        }
        DirStorage storage = open(linux);
        Throwable t = catchThrowable(() -> importInto(storage, volname,
                verbatim ? StreamFormat.QCOW2_SIZE : StreamFormat.RAW_SIZE,
                verbatim ? WITH_SNAPSHOTS : TransferOptions.DEFAULT, stream));

        assertThat(t).isInstanceOf(StorageException.class);
        String msg = t.getMessage();
        assertThat(msg).doesNotContain("\n", "Exception")
                .startsWith("import into st:" + volname + " failed: writing '" + tmp.resolve("st/images/100")
                        + "/.volport-staging.")
                .endsWith(volname.substring(4) + "': " + errno.text());
        switch (where) {
            case FIRST_WRITE -> assertThat(linux.writes()).isZero();
            case MIDDLE -> assertThat(linux.written()).isBetween(1L, (long) SIZE);
            case FLUSH -> assertThat(linux.written()).isGreaterThanOrEqualTo(SIZE);
        }
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void shortWritesStillLandEveryByte() throws Exception {
        FaultyLinux linux = new FaultyLinux().shortWrites(777);
        DirStorage storage = open(linux);
        byte[] stream = rawStream();
        for (String volname : List.of("100/vm-100-disk-0.raw", "100/vm-100-disk-1.qcow2")) {
            int before = linux.writes();
            importInto(storage, volname, StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, stream);
            assertThat(linux.writes() - before).as(volname).isGreaterThan(SIZE / 777);
            assertThat(rawContent(storage, volname)).as(volname)
                    .isEqualTo(java.util.Arrays.copyOfRange(stream, 8, stream.length));
        }
    }

    @Test
    void eexistAtTheCommitRenameKeepsTheOtherFileAndRemovesTheStagingFile() throws Exception {
        DirStorage storage = open(new FaultyLinux().renameFindsTargetTaken());
        Throwable t = catchThrowable(() -> importInto(storage, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE,
                TransferOptions.DEFAULT, rawStream()));
        assertThat(t).isInstanceOf(StorageException.class).hasMessage("file '"
                + tmp.resolve("st/images/100/vm-100-disk-0.raw") + "' already exists (created by another import while"
                + " this one ran)");
        assertThat(leftovers()).isEmpty();
    }
}
