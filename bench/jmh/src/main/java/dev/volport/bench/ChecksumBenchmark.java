package dev.volport.bench;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Candidate per-record and whole-image checksums for the planned {@code raw+sparse} format (DESIGN §4): CRC32C
 * (intrinsic) and SHA-256 over 1 MiB direct buffers. Buffers per second; multiply by 1 MiB for bytes per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ChecksumBenchmark {
    private static final int SIZE = 1 << 20;
    private ByteBuffer buf;
    private MessageDigest sha256;

    @Setup(Level.Trial)
    public void setUp() throws NoSuchAlgorithmException {
        buf = ByteBuffer.allocateDirect(SIZE);
        byte[] b = new byte[SIZE];
        new Random(1).nextBytes(b);
        buf.put(b).flip();
        sha256 = MessageDigest.getInstance("SHA-256");
    }

    @Benchmark
    public long crc32c() {
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate());
        return crc.getValue();
    }

    @Benchmark
    public byte[] sha256() {
        sha256.update(buf.duplicate());
        return sha256.digest();
    }
}
