package dev.volport.bench;

import dev.volport.format.qcow2.BackingResolver;
import dev.volport.format.qcow2.Qcow2Image;
import dev.volport.format.qcow2.Qcow2Writer;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * qcow2 cluster mapping: streaming the guest content of a 1 GiB image with 64 KiB clusters, 10 % of them
 * allocated, into a channel that discards (the file stays in the page cache). Dominated by L1/L2 lookups, the
 * coalescing of host runs and the zero fill of unallocated clusters; milliseconds per full read.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Qcow2ReadBenchmark {
    private static final long SIZE = 1L << 30;
    private Path file;
    private FileChannel channel;

    private static final WritableByteChannel DISCARD = new WritableByteChannel() {
        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    };

    /** Raw data with one 64 KiB cluster of noise in every ten, zeros elsewhere. */
    private static ReadableByteChannel tenPercent() {
        return new ReadableByteChannel() {
            private final Random rnd = new Random(7);
            private long pos;

            @Override
            public int read(ByteBuffer dst) {
                if (pos >= SIZE) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), Math.min(SIZE - pos, 65536 - pos % 65536));
                boolean data = (pos / 65536) % 10 == 0;
                for (int i = 0; i < n; i++) {
                    dst.put(data ? (byte) rnd.nextInt() : 0);
                }
                pos += n;
                return n;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("volport-jmh-", ".qcow2");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            Qcow2Writer.convert(tenPercent(), SIZE, out, Progress.NONE);
        }
        channel = FileChannel.open(file, StandardOpenOption.READ);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }

    @Benchmark
    public void readRaw() throws IOException {
        try (Qcow2Image img = Qcow2Image.open(channel, "bench", BackingResolver.NONE)) {
            img.readRaw(Optional.empty(), DISCARD, Progress.NONE);
        }
    }
}
