package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever events a reader emits, in whatever pieces, the raw+size encoder writes exactly the bytes a naive
 * concatenation of them gives: host ranges copied, memory bytes as they are, zeros as zero bytes. Two host files
 * make runs of one file meet runs of the other, and adjacent ranges exercise the merging.
 */
class ExtentPipelinePropertiesTest {
    private static final int FILE_SIZE = 256 << 10;
    private static Path dir;
    private static byte[][] contents;
    private static FileChannel[] files;

    /** One event: kind 0 = data of file {@code file} at {@code offset}, 1 = bytes, 2 = zeros. */
    record Event(int kind, int file, int offset, int length, long seed) {
    }

    @BeforeContainer
    static void makeFiles() throws IOException {
        dir = Files.createTempDirectory("extent-props");
        contents = new byte[2][FILE_SIZE];
        files = new FileChannel[2];
        for (int i = 0; i < 2; i++) {
            new Random(i).nextBytes(contents[i]);
            files[i] = FileChannel.open(Files.write(dir.resolve("f" + i), contents[i]), StandardOpenOption.READ);
        }
    }

    @AfterContainer
    static void removeFiles() throws IOException {
        for (int i = 0; i < 2; i++) {
            files[i].close();
            Files.delete(dir.resolve("f" + i));
        }
        Files.delete(dir);
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<Event> e = Combinators.combine(Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 1), Arbitraries.integers().between(0, FILE_SIZE - 1),
                Arbitraries.integers().between(0, 70_000),
                Arbitraries.longs()).as((kind, file, offset, length, seed) ->
                        new Event(kind, file, Math.min(offset, FILE_SIZE - Math.min(length, FILE_SIZE)),
                                kind == 0 ? Math.min(length, FILE_SIZE) : length, seed));
        // Some events continue the previous host range exactly, so merging is exercised, not just allowed.
        return e.list().ofMaxSize(40).map(ExtentPipelinePropertiesTest::chainSome);
    }

    private static List<Event> chainSome(List<Event> in) {
        Event[] out = in.toArray(new Event[0]);
        for (int i = 1; i < out.length; i++) {
            Event prev = out[i - 1];
            Event cur = out[i];
            if (cur.kind() == 0 && prev.kind() == 0 && (cur.seed() & 1) == 0) {
                int off = prev.offset() + prev.length();
                int len = Math.min(cur.length(), FILE_SIZE - off);
                out[i] = new Event(0, prev.file(), off, len, cur.seed());
            }
        }
        return List.of(out);
    }

    @Property(tries = 200)
    void anySequenceOfEventsEncodesToTheirConcatenation(@ForAll("events") List<Event> events) throws IOException {
        ByteArrayOutputStream naive = new ByteArrayOutputStream();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        long total = 0;
        for (Event e : events) {
            total += e.length();
        }
        ExactLengthSink sink = RawBodyEncoder.stream(Channels.newChannel(wire), total, ZeroWriter.BUFFERED,
                Progress.NONE, "property");
        for (Event e : events) {
            switch (e.kind()) {
                case 0 -> {
                    naive.write(contents[e.file()], e.offset(), e.length());
                    sink.data(files[e.file()], e.offset(), e.length());
                }
                case 1 -> {
                    byte[] b = new byte[e.length()];
                    new Random(e.seed()).nextBytes(b);
                    naive.write(b);
                    // A direct buffer reused and scribbled over after the call, as readers do.
                    ByteBuffer buf = ByteBuffer.allocateDirect(b.length + 16).position(16);
                    buf.put(b).flip().position(16);
                    sink.bytes(buf);
                    buf.clear();
                    while (buf.hasRemaining()) {
                        buf.put((byte) 0x5a);
                    }
                }
                default -> {
                    naive.write(new byte[e.length()]);
                    sink.zeros(e.length());
                }
            }
        }
        sink.finish();
        byte[] got = wire.toByteArray();
        assertThat(ByteBuffer.wrap(got, 0, 8)).isEqualTo(SizeHeader.encode(total));
        assertThat(ByteBuffer.wrap(got, 8, got.length - 8)).isEqualTo(ByteBuffer.wrap(naive.toByteArray()));
        assertThat(sink.position()).isEqualTo(total);
    }
}
