package dev.volport.format.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import dev.volport.format.Compression;
import dev.volport.format.FormatException;
import dev.volport.io.ContentDigest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The {@code raw+sparse} codec on bytes: the committed golden stream (written from the spec by a Python script, see
 * docs/formats.md), round trips with and without zstd, and every hostile case of issue 16 refused with its message.
 */
class SparseCodecTest {
    static final byte[] GOLDEN_IMAGE = "hello\0\0\0\0\0\0\0\0\0\0world".getBytes();

    static byte[] golden() throws IOException {
        return golden("golden-v2.rsparse");
    }

    static byte[] golden(String name) throws IOException {
        try (InputStream in = SparseCodecTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    /**
     * A version 1 stream (1 MiB digest leaves) of an image larger than one leaf: read with the version 1 digest as
     * its header says; the same records under a version 2 header fail the digest check, as does a version 1 stream
     * that carries a version 2 digest. The committed version 1 golden stream still reads.
     */
    @Test
    void version1StreamsAreVerifiedWithTheirOwnDigest() throws IOException {
        int size = 3 << 20;
        byte[] img = new byte[size];
        Random r = new Random(3);
        for (int at = 0; at < size; at += 640 << 10) {
            byte[] c = new byte[64 << 10];
            r.nextBytes(c);
            System.arraycopy(c, 0, img, at, c.length);
        }
        byte[] v1 = ContentDigest.of(ContentDigest.Version.V1, img);
        byte[] v2 = ContentDigest.of(ContentDigest.Version.V2, img);
        assertThat(v1).isNotEqualTo(v2);
        assertThat(Streams.decode(new StreamBuilder().header(size, 1, 0).data(0, img).end(size, 1, v1).bytes()))
                .isEqualTo(img);
        assertThat(Streams.decode(new StreamBuilder().header(size, 2, 0).data(0, img).end(size, 1, v2).bytes()))
                .isEqualTo(img);
        refused(new StreamBuilder().header(size, 2, 0).data(0, img).end(size, 1, v1).bytes(),
                "content digest mismatch");
        refused(new StreamBuilder().header(size, 1, 0).data(0, img).end(size, 1, v2).bytes(),
                "content digest mismatch");
        assertThat(Streams.decode(golden("golden-v1.rsparse"))).isEqualTo(GOLDEN_IMAGE);
    }

    @Test
    void encoderWritesTheGoldenStreamByteForByte() throws IOException {
        byte[] stream = Streams.encode(20, Compression.NONE, s -> {
            s.bytes(ByteBuffer.wrap("hello".getBytes()));
            s.zeros(10);
            s.bytes(ByteBuffer.wrap("world".getBytes()));
        });
        assertThat(stream).isEqualTo(golden());
    }

    @Test
    void decoderReadsTheGoldenStream() throws IOException {
        assertThat(Streams.decode(golden())).isEqualTo(GOLDEN_IMAGE);
        byte[] g = golden();
        assertThat(Arrays.copyOfRange(g, g.length - 32, g.length)).isEqualTo(ContentDigest.of(GOLDEN_IMAGE));
    }

    /** Data with zero blocks in it, a partial last block, and more than one 4 MiB record of data. */
    static byte[] mixedImage(int size, long seed) {
        byte[] img = new byte[size];
        Random r = new Random(seed);
        for (int at = 0; at < size; at += 4096) {
            if (r.nextInt(3) > 0) {
                byte[] block = new byte[Math.min(4096, size - at)];
                if (r.nextBoolean()) {
                    r.nextBytes(block);
                } else {
                    Arrays.fill(block, (byte) r.nextInt(1, 256)); // compresses well
                }
                System.arraycopy(block, 0, img, at, block.length);
            }
        }
        return img;
    }

    @Test
    void roundTripsWithAndWithoutZstdAndSplitsDataIntoBoundedRecords() throws IOException {
        byte[] img = mixedImage((9 << 20) + 1234, 7);
        byte[] plain = Streams.encode(img, Compression.NONE);
        byte[] packed = Streams.encode(img, new Compression(3));
        assertThat(Streams.decode(plain)).isEqualTo(img);
        assertThat(Streams.decode(packed)).isEqualTo(img);
        assertThat(packed.length).isLessThan(plain.length);
        assertThat(plain.length).isLessThan(img.length); // zero blocks travel as zero records
        assertThat(Arrays.copyOfRange(plain, plain.length - 32, plain.length)).isEqualTo(ContentDigest.of(img));
    }

    @Test
    void anAllocatedRangeOfZerosBecomesOneZeroRecord() throws IOException {
        byte[] stream = Streams.encode(new byte[10 << 20], Compression.NONE);
        // header, one zero record, end record with its payload
        assertThat(stream).hasSize(32 + 32 + 32 + 40);
        assertThat(stream[32]).isEqualTo((byte) 'Z');
    }

    /** A sparse image: every other 64 KiB block holds data; 128 data and 127 zero records for 16 MiB. */
    private static byte[] everyOtherBlock() {
        byte[] img = new byte[16 << 20];
        Random r = new Random(3);
        for (int at = 0; at < img.length; at += 128 << 10) {
            byte[] block = new byte[64 << 10];
            r.nextBytes(block);
            System.arraycopy(block, 0, img, at, block.length);
        }
        return img;
    }

    @Test
    void smallRecordsGoOutTogetherNotOneWriteEach() throws IOException {
        byte[] img = everyOtherBlock();
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        int[] writes = {0};
        WritableByteChannel counting = new WritableByteChannel() {
            final WritableByteChannel to = Channels.newChannel(bos);

            @Override
            public int write(ByteBuffer src) throws IOException {
                writes[0]++;
                return to.write(src);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        var sink = SparseEncoder.stream(counting, img.length, Compression.NONE, dev.volport.io.Progress.NONE, "t");
        sink.bytes(ByteBuffer.wrap(img));
        sink.finish();
        byte[] stream = bos.toByteArray();
        assertThat(stream).isEqualTo(Streams.encode(img, Compression.NONE));
        assertThat(Streams.decode(stream)).isEqualTo(img);
        // 255 records and the end record in about 8 MiB: the header's write, then one per buffer of 1 MiB
        assertThat(writes[0]).isBetween(2, 2 + stream.length / SparseEncoder.WIRE_BUFFER + 1);
    }

    @Test
    void theDecoderReadsLargePiecesWhateverTheRecordSizes() throws IOException {
        byte[] stream = Streams.encode(everyOtherBlock(), Compression.NONE);
        var in = Channels.newChannel(new java.io.ByteArrayInputStream(stream));
        SparseFormat.Header header = SparseFormat.readHeader(in);
        int[] reads = {0};
        ReadableByteChannel counting = new ReadableByteChannel() {
            @Override
            public int read(ByteBuffer dst) throws IOException {
                reads[0]++;
                return in.read(dst);
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        Streams.Collect c = new Streams.Collect(16 << 20);
        new SparseDecoder(header.digest()).read(counting, 16 << 20,
                new dev.volport.io.ExactLengthSink(c, 16 << 20, "t"), dev.volport.io.Progress.NONE);
        assertThat(c.image).isEqualTo(everyOtherBlock());
        // 511 header and payload reads of the records, made from about 8 reads of the stream and its end
        assertThat(reads[0]).isLessThanOrEqualTo(stream.length / SparseDecoder.READ_AHEAD + 3);
    }

    // ---- hostile streams: each refused by the decoder with a message naming what is wrong ----

    private static byte[] digestOf(int size) {
        return ContentDigest.of(new byte[size]);
    }

    private static void refused(byte[] stream, String... fragments) {
        assertThatThrownBy(() -> Streams.decode(stream)).isInstanceOf(FormatException.class)
                .message().contains(fragments).doesNotContain("Exception");
    }

    private static byte[] hello() {
        return "hello".getBytes();
    }

    private static byte[] helloImage(int size) {
        byte[] img = new byte[size];
        System.arraycopy(hello(), 0, img, 0, 5);
        return img;
    }

    @Test
    void refusesAWrongPayloadCrc() {
        refused(new StreamBuilder().header(5).record('D', 0, 5, hello(), 1234, true).bytes(),
                "record 1", "payload's CRC32C does not match");
    }

    @Test
    void refusesACorruptedRecordHeader() {
        refused(new StreamBuilder().header(5).record('D', 0, 5, hello(), StreamBuilder.crc(hello(), 0, 5), false)
                .bytes(), "record 1 at stream byte 32 is corrupt");
    }

    @Test
    void refusesACorruptedPayloadByte() throws IOException {
        byte[] s = Streams.encode(helloImage(5), Compression.NONE);
        s[32 + 32 + 1] ^= 0x20;
        refused(s, "payload's CRC32C does not match");
    }

    @Test
    void refusesAWrongDigest() {
        byte[] wrong = ContentDigest.of("jello".getBytes());
        refused(new StreamBuilder().header(5).data(0, hello()).end(5, 1, wrong).bytes(),
                "content digest mismatch");
    }

    @Test
    void refusesATruncatedStreamAtEveryLength() throws IOException {
        byte[] s = Streams.encode(helloImage(8192), Compression.NONE);
        for (int cut = 32; cut < s.length; cut++) {
            byte[] t = Arrays.copyOf(s, cut);
            assertThatThrownBy(() -> Streams.decode(t)).as("cut at %d", cut).isInstanceOf(FormatException.class)
                    .hasMessageContaining("truncated");
        }
    }

    @Test
    void refusesAnOverlappingRecord() {
        refused(new StreamBuilder().header(10).data(0, hello()).data(3, hello()).bytes(),
                "record 2", "starts at image offset 3 but the previous records end at 5", "overlaps");
    }

    @Test
    void refusesRecordsOutOfOrder() {
        refused(new StreamBuilder().header(10).data(5, hello()).data(0, hello()).bytes(),
                "record 1", "starts at image offset 5 but the previous records end at 0", "gap");
    }

    @Test
    void refusesAnExtentBeyondTheVirtualSize() {
        refused(new StreamBuilder().header(5).data(0, hello()).zeros(5, 1).bytes(),
                "record 2 at stream byte 69 (zero) of 1 bytes at offset 5 runs past the virtual size 5");
        refused(new StreamBuilder().header(4).data(0, hello()).bytes(), "runs past the virtual size 4");
        refused(new StreamBuilder().header(4).zeros(0, -1).bytes(), "18446744073709551615 bytes",
                "runs past the virtual size");
    }

    @Test
    void refusesAZeroLengthRecord() {
        refused(new StreamBuilder().header(5).zeros(0, 0).bytes(), "record 1 at stream byte 32 (zero) has length 0");
        refused(new StreamBuilder().header(5).record('D', 0, 0, new byte[0]).bytes(), "has length 0");
    }

    @Test
    void refusesAnOversizedRecord() {
        int big = SparseFormat.MAX_DATA + 1;
        refused(new StreamBuilder().header(big).record('D', 0, big, new byte[0]).bytes(),
                "of 4194305 bytes is longer than the 4194304 a data record may carry");
        // a data record whose stored size disagrees with its length is refused before its payload is read
        refused(new StreamBuilder().header(8).record('D', 0, 8, hello()).bytes(), "stores 5 bytes for 8");
    }

    @Test
    void refusesAZstdBomb() {
        // 4 MiB of zeros in a frame of a few hundred bytes, declared as 4096 image bytes
        byte[] bomb = Zstd.compress(new byte[SparseFormat.MAX_DATA], 19);
        assertThat(bomb.length).isLessThan(4096);
        refused(new StreamBuilder().header(4096).record('C', 0, 4096, bomb).bytes(),
                "record 1 at stream byte 32 (compressed data): its zstd data does not inflate to its 4096 bytes");
        // and a frame that inflates to less than declared
        byte[] small = Zstd.compress(new byte[100], 3);
        refused(new StreamBuilder().header(4096).record('C', 0, 4096, small).bytes(),
                "inflates to 100 bytes instead of 4096");
    }

    @Test
    void refusesGarbageAfterTheEndAndAWrongCount() {
        refused(new StreamBuilder().header(5).data(0, hello()).end(5, 1, ContentDigest.of(hello())).raw(new byte[1])
                .bytes(), "goes on after its end record");
        refused(new StreamBuilder().header(5).data(0, hello()).end(5, 2, ContentDigest.of(hello())).bytes(),
                "counts 2 records, but 1 came before it");
        refused(new StreamBuilder().header(5).data(0, hello()).end(4, 1, ContentDigest.of(hello())).bytes(),
                "starts at image offset 4 but the previous records end at 5");
        refused(new StreamBuilder().header(10).data(0, hello()).end(5, 1, digestOf(10)).bytes(),
                "comes at image offset 5, before the virtual size 10");
    }

    @Test
    void refusesBadHeadersAndUnknownTypes() {
        refused(new StreamBuilder().header(5, 3, 0).bytes(), "version 3 is not supported",
                "reads versions 1 to 2", "--format raw+size");
        refused(new StreamBuilder().header(5, 0, 0).bytes(), "version 0 is not supported");
        refused(new StreamBuilder().header(5, 2, 4).bytes(), "unknown flags 0x4");
        refused(new StreamBuilder().header(-1).bytes(), "2^63 bytes or more");
        refused("RAW+SIZE and more bytes than 32 in all......".getBytes(), "not a raw+sparse stream");
        byte[] h = new StreamBuilder().header(5).bytes();
        h[20] ^= 1;
        refused(h, "header is corrupt");
        refused(new StreamBuilder().header(5).record('X', 0, 5, hello()).bytes(), "unknown type (0x58)");
        refused(new StreamBuilder().header(5).record('Z', 0, 5, hello()).bytes(), "zero records carry none");
    }

    @Test
    void endPayloadLayoutIsCountThenDigest() throws IOException {
        byte[] s = golden();
        ByteBuffer end = ByteBuffer.wrap(s, s.length - 40, 40).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(end.getLong()).isEqualTo(3);
    }
}
