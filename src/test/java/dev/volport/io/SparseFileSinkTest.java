package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.os.Linux;
import dev.volport.storage.DirectWrites;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw file sink, through the page cache and with direct writes for long runs. */
class SparseFileSinkTest {
    @TempDir
    Path tmp;

    /** Checks every direct write's alignment, counts them and passes them to the real O_DIRECT descriptor. */
    private static final class CheckedDirect implements DirectOutput {
        private final DirectOutput real;
        final List<long[]> writes = new ArrayList<>();

        CheckedDirect(DirectOutput real) {
            this.real = real;
        }

        @Override
        public void write(MemorySegment block, long offset) throws IOException {
            assertThat(block.address() % ALIGN).as("address").isZero();
            assertThat(offset % ALIGN).as("offset").isZero();
            assertThat(block.byteSize() % ALIGN).as("length").isZero();
            writes.add(new long[] {offset, block.byteSize()});
            real.write(block, offset);
        }

        @Override
        public void close() {
            real.close();
        }

        long bytes() {
            return writes.stream().mapToLong(w -> w[1]).sum();
        }
    }

    /** One event: bytes (a copy of the image's range), or a zero run; {@code heap} picks the buffer kind. */
    record Event(boolean zeros, int length, boolean heap) {
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<Integer> lengths = Arbitraries.oneOf(Arbitraries.integers().between(1, 9000),
                Arbitraries.integers().between(60 << 10, 70 << 10), Arbitraries.integers().between(1, 3 << 20),
                Arbitraries.of(4096, 65536, 1 << 20, (1 << 20) - 4096));
        return Arbitraries.lazy(() -> lengths.flatMap(n -> Arbitraries.of(true, false).flatMap(z ->
                Arbitraries.of(true, false).map(h -> new Event(z, n, h))))).list().ofMaxSize(12);
    }

    /**
     * Whatever the cut of the image into events, the file holds the image's bytes, holes read as zeros, and every
     * whole-block stretch of a run of at least 64 KiB went around the page cache.
     */
    @Property(tries = 60)
    void theFileHoldsTheImageWhateverTheEvents(@ForAll("events") List<Event> events) throws IOException {
        Path dir = Files.createTempDirectory("sink");
        Path file = dir.resolve("image.raw");
        Files.createFile(file);
        long size = events.stream().mapToLong(Event::length).sum();
        byte[] want = new byte[Math.toIntExact(size)];
        Random random = new Random(size);
        Linux.system().setLength(file, size); // as the importers do before the first event
        CheckedDirect direct = new CheckedDirect(DirectWrites.output(Linux.system().openDirect(file).orElseThrow()));
        long[] longRuns = new long[2]; // whole-block bytes of runs with at least 64 KiB of them, and their count
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            SparseFileSink sink = new SparseFileSink(ch, WritebackHint.NONE, Optional.of(direct));
            int at = 0;
            int runStart = 0;
            for (Event e : events) {
                if (e.zeros()) {
                    countLongRun(runStart, at, longRuns);
                    sink.zeros(e.length());
                    runStart = at + e.length();
                } else {
                    byte[] b = new byte[e.length()];
                    random.nextBytes(b);
                    System.arraycopy(b, 0, want, at, b.length);
                    ByteBuffer buf = e.heap() ? ByteBuffer.wrap(b) : ByteBuffer.allocateDirect(b.length).put(b).flip();
                    sink.bytes(buf);
                    assertThat(buf.hasRemaining()).isFalse();
                }
                at += e.length();
            }
            countLongRun(runStart, at, longRuns);
            sink.finish();
            assertThat(sink.written()).isEqualTo(events.stream().filter(e -> !e.zeros())
                    .mapToLong(Event::length).sum());
        } finally {
            direct.close();
        }
        assertThat(Files.readAllBytes(file)).isEqualTo(want);
        // Each long run goes direct block by block, but the gathering blocks it starts and ends in part may take
        // the channel.
        assertThat(direct.bytes()).isBetween(longRuns[0] - longRuns[1] * 2L * SparseFileSink.STAGE, longRuns[0]);
        Files.delete(file);
        Files.delete(dir);
    }

    /** Adds the whole blocks in {@code [from, to)} to {@code acc} when there are at least 64 KiB of them. */
    private static void countLongRun(long from, long to, long[] acc) {
        long a = (from + 4095) & ~4095L;
        long b = to & ~4095L;
        if (b - a >= SparseFileSink.MIN_DIRECT) {
            acc[0] += b - a;
            acc[1]++;
        }
    }

    @Test
    void shortRunsAndTheEndsOfLongOnesGoThroughTheChannel() throws IOException {
        Path file = Files.createFile(tmp.resolve("image.raw"));
        CheckedDirect direct = new CheckedDirect(DirectWrites.output(Linux.system().openDirect(file).orElseThrow()));
        byte[] a = filled(1000 << 10, 1); // a short run: below a whole gathering block
        byte[] b = filled(100 + (3 << 20) + 5, 2); // starts 100 bytes into a block, ends 5 bytes into one
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            SparseFileSink sink = new SparseFileSink(ch, WritebackHint.NONE, Optional.of(direct));
            sink.bytes(ByteBuffer.wrap(a));
            sink.zeros((1 << 20) - a.length + 4096 - 100);
            sink.bytes(ByteBuffer.wrap(b));
            sink.finish();
        }
        direct.close();
        // the gathering block [1 MiB, 2 MiB) holds less than a whole block of the run: the channel; the two
        // blocks the run fills go direct; its last 4101 bytes the channel
        assertThat(direct.writes).hasSize(2);
        assertThat(direct.writes.get(0)).containsExactly(2 << 20, 1 << 20);
        assertThat(direct.writes.get(1)).containsExactly(3 << 20, 1 << 20);
        byte[] got = Files.readAllBytes(file);
        assertThat(Arrays.copyOf(got, a.length)).isEqualTo(a);
        assertThat(Arrays.copyOfRange(got, (1 << 20) + 4096 - 100, got.length)).isEqualTo(b);
    }

    @Test
    void theNextBlockGathersWhileADirectWriteWaitsForTheDevice() throws Exception {
        Path file = Files.createFile(tmp.resolve("image.raw"));
        DirectOutput real = DirectWrites.output(Linux.system().openDirect(file).orElseThrow());
        CountDownLatch firstWriteStarted = new CountDownLatch(1);
        CountDownLatch device = new CountDownLatch(1);
        List<Long> offsets = java.util.Collections.synchronizedList(new ArrayList<>());
        DirectOutput slow = new DirectOutput() {
            @Override
            public void write(MemorySegment block, long offset) throws IOException {
                offsets.add(offset);
                firstWriteStarted.countDown();
                try {
                    // the device holds the first write until the test lets it go; a sink that waits for the write
                    // on its caller's thread never lets the test get there
                    if (!device.await(10, TimeUnit.SECONDS)) {
                        throw new IOException("the write was never let go: the sink's caller waited for it");
                    }
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
                real.write(block, offset);
            }

            @Override
            public void close() {
                real.close();
            }
        };
        byte[] image = filled(3 << 20, 7);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            Linux.system().setLength(file, image.length);
            SparseFileSink sink = new SparseFileSink(ch, WritebackHint.NONE, Optional.of(slow));
            // the first MiB fills a block, whose write starts and blocks; the second MiB must still be taken
            sink.bytes(ByteBuffer.wrap(image, 0, 1 << 20));
            assertThat(firstWriteStarted.await(10, TimeUnit.SECONDS)).isTrue();
            sink.bytes(ByteBuffer.wrap(image, 1 << 20, (1 << 20) - 4096));
            assertThat(offsets).containsExactly(0L);
            device.countDown();
            sink.bytes(ByteBuffer.wrap(image, (2 << 20) - 4096, (1 << 20) + 4096));
            sink.finish();
        } finally {
            slow.close();
        }
        assertThat(offsets).containsExactly(0L, 1L << 20, 2L << 20);
        assertThat(Files.readAllBytes(file)).isEqualTo(image);
    }

    @Test
    void aFailedDirectWriteIsReportedByTheNextReleaseOrByFinish() throws IOException {
        Path file = Files.createFile(tmp.resolve("image.raw"));
        DirectOutput failing = new DirectOutput() {
            @Override
            public void write(MemorySegment block, long offset) throws IOException {
                throw new IOException("No space left on device");
            }

            @Override
            public void close() {
            }
        };
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            SparseFileSink sink = new SparseFileSink(ch, WritebackHint.NONE, Optional.of(failing));
            sink.bytes(ByteBuffer.wrap(filled(1 << 20, 3))); // one block handed to the writer
            assertThatThrownBy(sink::finish).isInstanceOf(IOException.class)
                    .hasMessage("No space left on device");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            SparseFileSink sink = new SparseFileSink(ch, WritebackHint.NONE, Optional.of(failing));
            assertThatThrownBy(() -> {
                for (int i = 0; i < 3; i++) {
                    sink.bytes(ByteBuffer.wrap(filled(1 << 20, i)));
                }
            }).isInstanceOf(IOException.class).hasMessage("No space left on device");
        }
    }

    @Test
    void aWriteAfterTheDescriptorWasClosedFailsInsteadOfUsingTheNumber() throws IOException {
        Path file = Files.createFile(tmp.resolve("image.raw"));
        DirectOutput direct = DirectWrites.output(Linux.system().openDirect(file).orElseThrow());
        direct.close();
        MemorySegment block = java.lang.foreign.Arena.ofAuto().allocate(4096, 4096);
        assertThatThrownBy(() -> direct.write(block, 0)).isInstanceOf(IOException.class)
                .hasMessageContaining("after the import was cancelled").hasMessageContaining(file.toString());
    }

    @Test
    void directWritesAreOffWhenAskedAndOnTmpfs() throws IOException {
        assertThat(DirectWrites.suit(tmp, Map.of("VOLPORT_DIRECT_IO", "off"))).isFalse();
        assertThat(DirectWrites.suit(tmp, Map.of("VOLPORT_DIRECT_IO", "0"))).isFalse();
        assertThat(DirectWrites.suit(Path.of("/dev/shm"), Map.of())).isFalse();
        String type = Files.getFileStore(tmp).type();
        assertThat(DirectWrites.suit(tmp, Map.of())).isEqualTo(List.of("ext4", "xfs", "btrfs").contains(type));
    }

    private static byte[] filled(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        b[0] = 1;
        return b;
    }
}
