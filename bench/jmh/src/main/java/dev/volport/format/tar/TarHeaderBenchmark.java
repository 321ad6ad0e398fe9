package dev.volport.format.tar;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * Encoding and parsing one ustar header block, the per-entry cost of {@code tar+size} on trees of many small
 * files. Lives in the format's package to reach its package-private {@code TarHeader}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class TarHeaderBenchmark {
    private final byte[] name = "./usr/share/doc/volport/examples/storage.cfg".getBytes(StandardCharsets.UTF_8);
    private final byte[] noLink = new byte[0];
    private final byte[] block = TarHeader.format(name, 0644, 0, 0, 12345, 1_700_000_000L, (byte) '0', noLink, 0, 0,
            false);

    @Benchmark
    public byte[] encode() {
        return TarHeader.format(name, 0644, 0, 0, 12345, 1_700_000_000L, (byte) '0', noLink, 0, 0, false);
    }

    @Benchmark
    public Object parse() throws Exception {
        return TarHeader.parse(block, 0);
    }
}
