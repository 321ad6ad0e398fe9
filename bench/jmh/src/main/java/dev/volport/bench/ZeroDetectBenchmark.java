package dev.volport.bench;

import dev.volport.io.ZeroBlocks;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Zero-block detection over one 1 MiB import buffer, as {@code SparseRawImporter} does it (per 4 KiB block,
 * {@link ZeroBlocks#isZero}), against a plain byte loop and a long-at-a-time loop. Throughput in buffers per
 * second: multiply by 1 MiB for bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ZeroDetectBenchmark {
    private static final int SIZE = 1 << 20;
    private static final int BLOCK = 4096;

    /** {@code zeros}: all blocks zero (the worst case: every byte is read); {@code data}: first byte non-zero. */
    @Param({"zeros", "data"})
    String content;

    private ByteBuffer buf;
    private MemorySegment seg;

    @Setup(Level.Trial)
    public void setUp() {
        buf = ByteBuffer.allocateDirect(SIZE);
        if (content.equals("data")) {
            for (int off = 0; off < SIZE; off += BLOCK) {
                buf.put(off, (byte) 1);
            }
        }
        seg = MemorySegment.ofBuffer(buf);
    }

    @Benchmark
    public int volportMismatch() {
        int zero = 0;
        for (int off = 0; off < SIZE; off += BLOCK) {
            if (ZeroBlocks.isZero(seg, off, BLOCK)) {
                zero++;
            }
        }
        return zero;
    }

    @Benchmark
    public int byteLoop() {
        int zero = 0;
        for (int off = 0; off < SIZE; off += BLOCK) {
            boolean z = true;
            for (int i = off; i < off + BLOCK; i++) {
                if (buf.get(i) != 0) {
                    z = false;
                    break;
                }
            }
            if (z) {
                zero++;
            }
        }
        return zero;
    }

    @Benchmark
    public int longLoop() {
        int zero = 0;
        for (int off = 0; off < SIZE; off += BLOCK) {
            boolean z = true;
            for (int i = off; i < off + BLOCK; i += 8) {
                if (buf.getLong(i) != 0) {
                    z = false;
                    break;
                }
            }
            if (z) {
                zero++;
            }
        }
        return zero;
    }
}
