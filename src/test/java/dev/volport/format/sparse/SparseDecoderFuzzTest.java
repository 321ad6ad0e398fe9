package dev.volport.format.sparse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.format.Compression;
import dev.volport.format.FormatException;
import java.io.IOException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The record parser against arbitrary input: random bytes after a valid header, and valid streams with bytes
 * flipped, cut or inserted. Each either decodes to an image of the announced size or fails with a
 * {@link FormatException}; never another exception, never more bytes than the size (the test sink would overflow).
 */
class SparseDecoderFuzzTest {
    private static final byte[] IMAGE = SparseCodecTest.mixedImage(40_000, 3);
    private static final byte[] PLAIN;
    private static final byte[] PACKED;

    static {
        try {
            PLAIN = Streams.encode(IMAGE, Compression.NONE);
            PACKED = Streams.encode(IMAGE, new Compression(1));
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static void decodesOrRefuses(byte[] stream) {
        try {
            byte[] img = Streams.decode(stream);
            // the digest and CRCs make an undetected change all but impossible
            assertThat(img).isEqualTo(IMAGE);
        } catch (FormatException expected) {
            assertThat(expected.getMessage()).isNotBlank().doesNotContain("\n");
        } catch (IOException other) {
            throw new AssertionError("unexpected " + other, other);
        }
    }

    @Property(tries = 300)
    void randomRecordsAfterAValidHeader(@ForAll @Size(max = 400) byte[] body, @ForAll @IntRange(max = 5000) int size) {
        byte[] stream = new StreamBuilder().header(size).raw(body).bytes();
        try {
            Streams.decode(stream);
        } catch (FormatException expected) {
            return;
        } catch (IOException other) {
            throw new AssertionError("unexpected " + other, other);
        }
    }

    @Provide
    Arbitrary<byte[]> valid() {
        return Arbitraries.of(PLAIN, PACKED);
    }

    @Property(tries = 300)
    void flippedBytes(@ForAll("valid") byte[] valid, @ForAll @IntRange(max = 1_000_000) int where,
            @ForAll @IntRange(min = 1, max = 255) int mask) {
        byte[] s = valid.clone();
        s[where % s.length] ^= (byte) mask;
        decodesOrRefuses(s);
    }

    @Property(tries = 200)
    void cutOrInsertedBytes(@ForAll("valid") byte[] valid, @ForAll @IntRange(max = 1_000_000) int where,
            @ForAll @Size(min = 1, max = 40) byte[] inserted, @ForAll boolean cut) {
        int at = where % valid.length;
        byte[] s;
        if (cut) {
            s = new byte[valid.length - Math.min(inserted.length, valid.length - at)];
            System.arraycopy(valid, 0, s, 0, at);
            System.arraycopy(valid, valid.length - (s.length - at), s, at, s.length - at);
        } else {
            s = new byte[valid.length + inserted.length];
            System.arraycopy(valid, 0, s, 0, at);
            System.arraycopy(inserted, 0, s, at, inserted.length);
            System.arraycopy(valid, at, s, at + inserted.length, valid.length - at);
        }
        decodesOrRefuses(s);
    }
}
