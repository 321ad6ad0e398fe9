package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Any bytes give either headers or a {@link FormatException}, never another exception: single header blocks
 * (with and without a valid checksum), whole streams of random blocks, and valid streams with bytes flipped.
 */
class TarReaderPropertiesTest {
    private static final TarLimits SMALL = new TarLimits(4096, 4096, 255, 64, 1000, 1 << 20, 1 << 24, 1024,
            true, true);

    @Property(tries = 2000)
    void anyHeaderBlockParsesOrIsAFormatError(@ForAll @Size(512) byte[] block, @ForAll boolean fixChecksum) {
        byte[] b = fixChecksum ? TarBuilder.fix(block.clone()) : block;
        try {
            TarHeader h = TarHeader.parse(b, 0);
            assertThat(h.size()).isNotNegative();
            assertThat(h.uid()).isNotNegative();
        } catch (FormatException expected) {
            assertThat(expected).hasMessageContaining("offset 0");
        }
    }

    @Property(tries = 500)
    void anyStreamOfBlocksReadsOrIsAFormatError(@ForAll("streams") byte[] stream) {
        readAll(stream);
    }

    @Property(tries = 500)
    void validStreamsWithFlippedBytesReadOrAreFormatErrors(@ForAll @IntRange(min = 0, max = 4095) int at,
            @ForAll byte value, @ForAll boolean fixChecksum) {
        byte[] s = new TarBuilder().dir("./").pax("mtime=1.5", "SCHILY.xattr.user.a=b", "path=long/name")
                .file("f", "data").pax("GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.realsize=10",
                        "GNU.sparse.name=s")
                .member("s", '0', 0644, "", java.util.Arrays.copyOf("1\n2\n3\nxyz".getBytes(
                        StandardCharsets.US_ASCII), 515)).end().bytes();
        int i = at % s.length;
        s[i] = value;
        if (fixChecksum) {
            int block = i / 512 * 512;
            byte[] h = java.util.Arrays.copyOfRange(s, block, block + 512);
            System.arraycopy(TarBuilder.fix(h), 0, s, block, 512);
        }
        readAll(s);
    }

    @Provide
    Arbitrary<byte[]> streams() {
        Arbitrary<byte[]> header = Arbitraries.bytes().array(byte[].class).ofSize(512).map(b -> {
            b[156] = (byte) "0125x gLKS3467D".charAt(Math.floorMod(b[156], 15));
            for (int i = 124; i < 135; i++) { // a small octal size most of the time
                b[i] = (byte) (b[i] >= 0 ? '0' + (b[i] & 3) : b[i]);
            }
            return TarBuilder.fix(b);
        });
        Arbitrary<byte[]> block = Arbitraries.oneOf(header, Arbitraries.just(new byte[512]),
                Arbitraries.bytes().array(byte[].class).ofSize(512),
                Arbitraries.strings().withChars("0123456789\n =abcGNU.sparse").ofMaxLength(512)
                        .map(t -> java.util.Arrays.copyOf(t.getBytes(StandardCharsets.US_ASCII), 512)));
        return block.list().ofMinSize(1).ofMaxSize(8).map(TarReaderPropertiesTest::concat);
    }

    private static byte[] concat(List<byte[]> blocks) {
        ByteBuffer b = ByteBuffer.allocate(blocks.size() * 512);
        blocks.forEach(b::put);
        return b.array();
    }

    private static void readAll(byte[] stream) {
        TarReader r = new TarReader(Channels.newChannel(new ByteArrayInputStream(stream)), SMALL, Progress.NONE);
        try {
            TarEntry e;
            while ((e = r.next()) != null) {
                assertThat(e.size()).isBetween(0L, SMALL.maxFileBytes());
                assertThat(e.realSize()).isBetween(0L, SMALL.maxFileBytes());
                ByteBuffer buf = ByteBuffer.allocate(1000);
                while (r.read(buf.clear()) >= 0) {
                    // drain the member's data
                }
            }
        } catch (FormatException expected) {
            assertThat(expected.getMessage()).contains("offset");
        } catch (java.io.IOException e) {
            throw new AssertionError("an I/O error other than FormatException from in-memory bytes", e);
        }
    }
}
