package dev.volport.format.vmdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.format.FormatException;
import dev.volport.testing.DigestChannel;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/** Any bytes give a value or a {@link FormatException}, never another exception or an unbounded allocation. */
class VmdkFuzzPropertiesTest {
    private static final byte[] VALID_HEADER = VmdkFixtures.headerBytes(header());
    private static final String VALID_DESCRIPTOR = VmdkFixtures.descriptorText("monolithicSparse", 4096, null);
    private static final byte[] STREAM = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(256 * 1024, 12)).bytes();

    private static SparseExtentHeader header() {
        try {
            return VmdkWriter.header(2 << 20);
        } catch (FormatException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs {@code r}, accepting only success or a FormatException. */
    private static void valueOrFormatException(Check r) {
        try {
            r.run();
        } catch (FormatException e) {
            assertThat(e.getMessage()).isNotBlank();
        } catch (IOException e) {
            throw new AssertionError("unexpected " + e, e);
        }
    }

    @FunctionalInterface
    private interface Check {
        void run() throws IOException;
    }

    @Property(tries = 500)
    void anyHeaderBytes(@ForAll @Size(512) byte[] bytes, @ForAll @LongRange(min = 0, max = 1L << 42) long length) {
        valueOrFormatException(() -> SparseExtentHeader.parse(ByteBuffer.wrap(bytes), length));
    }

    @Property(tries = 1000)
    void mutatedValidHeader(@ForAll @IntRange(min = 0, max = 511) int at, @ForAll byte value,
            @ForAll @IntRange(min = 0, max = 511) int at2, @ForAll byte value2) {
        byte[] b = VALID_HEADER.clone();
        b[at] = value;
        b[at2] = value2;
        valueOrFormatException(() -> SparseExtentHeader.parse(ByteBuffer.wrap(b), 1 << 20));
    }

    @Property(tries = 500)
    void anyDescriptorText(@ForAll("descriptorish") String text) {
        valueOrFormatException(() -> VmdkDescriptor.parse(
                ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)), "fuzz"));
    }

    @Provide
    Arbitrary<String> descriptorish() {
        Arbitrary<String> pieces = Arbitraries.of("version=1", "CID=1", "parentCID=ffffffff", "createType=",
                "\"monolithicSparse\"", "\"streamOptimized\"", "RW ", "RDONLY ", "NOACCESS ", "4096 ", "SPARSE ",
                "FLAT ", "\"a.vmdk\"", "\"/etc/hosts\"", " 0", "ddb.x = \"1\"", "#", "\n", "\r\n", "=", "\"", " ",
                "\0", "99999999999999999999", "parentFileNameHint=x");
        Arbitrary<String> random = Arbitraries.strings().ofMaxLength(50);
        return Arbitraries.oneOf(pieces, pieces, random).list().ofMaxSize(60).map(l -> String.join("", l));
    }

    @Property(tries = 500)
    void mutatedValidDescriptor(@ForAll @IntRange(min = 0, max = 400) int at, @ForAll char c) {
        Assume.that(at < VALID_DESCRIPTOR.length());
        String text = VALID_DESCRIPTOR.substring(0, at) + c + VALID_DESCRIPTOR.substring(at + 1);
        valueOrFormatException(() -> VmdkDescriptor.parseText(text, "fuzz"));
    }

    @Property(tries = 500)
    void anyMarkerBytes(@ForAll @Size(512) byte[] bytes, @ForAll @LongRange(min = 0, max = 1 << 20) long lba) {
        valueOrFormatException(() -> StreamMarker.parse(ByteBuffer.wrap(bytes), "fuzz"));
        valueOrFormatException(() -> StreamMarker.GrainMarker.parse(ByteBuffer.wrap(bytes), header(), lba, "fuzz"));
    }

    @Property(tries = 150)
    void mutatedStreamImage(@ForAll("positions") List<Integer> positions, @ForAll byte value) throws IOException {
        byte[] b = STREAM.clone();
        for (int p : positions) {
            b[p] = value;
        }
        Path f = Files.createTempFile("vmdk-fuzz", ".vmdk");
        try {
            Files.write(f, b);
            valueOrFormatException(() -> {
                try (FileChannel ch = FileChannel.open(f); VmdkImage image = VmdkImage.open(ch, "fuzz")) {
                    DigestChannel sink = new DigestChannel();
                    image.readRaw(sink, Progress.NONE);
                    assertThat(sink.bytes()).isEqualTo(image.virtualSize());
                }
            });
            valueOrFormatException(() -> {
                try (FileChannel ch = FileChannel.open(f)) {
                    VmdkValidator.validate(ch, "fuzz", 256 * 1024);
                }
            });
        } finally {
            Files.delete(f);
        }
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        // bias towards the header, the descriptor, the tables and markers at the end
        Arbitrary<Integer> head = Arbitraries.integers().between(0, 1023);
        Arbitrary<Integer> tail = Arbitraries.integers().between(STREAM.length - 4096, STREAM.length - 1);
        Arbitrary<Integer> any = Arbitraries.integers().between(0, STREAM.length - 1);
        return Arbitraries.oneOf(head, tail, any).list().ofMinSize(1).ofMaxSize(4);
    }
}
