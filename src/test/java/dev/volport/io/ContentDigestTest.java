package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The content digest against a naive implementation of its definition (docs/formats.md): hash every leaf, hash
 * every group of leaf digests, hash the group digests and the size. No zero shortcuts and no threads there, so the
 * sink's constants, parallel hashing and event cutting are checked against the definition itself.
 */
public class ContentDigestTest {
    @TempDir
    Path tmp;

    /** The current version's digest of {@code img}, by the definition. */
    public static byte[] naive(byte[] img) throws Exception {
        return naive(ContentDigest.CURRENT, img);
    }

    public static byte[] naive(ContentDigest.Version v, byte[] img) throws Exception {
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        List<byte[]> leaves = new ArrayList<>();
        for (int off = 0; off < img.length; off += v.leaf()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(img, off, Math.min(v.leaf(), img.length - off));
            leaves.add(md.digest());
        }
        for (int g = 0; g < leaves.size(); g += v.group()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = g; i < Math.min(g + v.group(), leaves.size()); i++) {
                md.update(leaves.get(i));
            }
            root.update(md.digest());
        }
        root.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(img.length).array());
        return root.digest();
    }

    /** An image of random data and zero runs, sent as random events of all three kinds. */
    @Property(tries = 40)
    void equalsTheDefinitionWhateverTheEvents(@ForAll @IntRange(max = 6 << 20) int size, @ForAll long seed,
            @ForAll ContentDigest.Version version) throws Exception {
        Random r = new Random(seed);
        byte[] img = new byte[size];
        int maxRun = r.nextBoolean() ? 1 << 20 : 1 << 17; // long runs, or runs around the 64 KiB leaves
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, r.nextInt(1, maxRun));
            if (r.nextBoolean()) {
                byte[] d = new byte[n];
                r.nextBytes(d);
                System.arraycopy(d, 0, img, at, n);
            }
            at += n;
        }
        Path file = Files.createTempFile("volport-digest", ".img");
        Files.write(file, img);
        ContentDigest d = new ContentDigest(version);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int at = 0; at < size; ) {
                int n = Math.min(size - at, r.nextInt(1, maxRun + (maxRun >> 1)));
                boolean zero = isZero(img, at, n);
                switch (zero ? r.nextInt(3) : r.nextInt(2)) {
                    case 0 -> d.bytes(ByteBuffer.wrap(img, at, n));
                    case 1 -> d.data(ch, at, n);
                    default -> d.zeros(n);
                }
                at += n;
            }
            d.finish();
        }
        Files.delete(file);
        assertThat(d.value()).isEqualTo(naive(version, img));
        assertThat(d.size()).isEqualTo(size);
    }

    private static boolean isZero(byte[] a, int from, int n) {
        for (int i = from; i < from + n; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** Past one group (1 GiB): whole zero groups take the constant, the data after them is hashed as usual. */
    @ParameterizedTest
    @EnumSource(ContentDigest.Version.class)
    void zeroGroupsAndDataAfterThemMatchTheDefinition(ContentDigest.Version version) throws Exception {
        int size = (1 << 30) + (3 << 20) + 17;
        byte[] img = new byte[size];
        new Random(1).nextBytes(img);
        java.util.Arrays.fill(img, 0, (1 << 30) + (1 << 20) + 5, (byte) 0);
        ContentDigest d = new ContentDigest(version);
        d.zeros((1 << 30) + (1 << 20) + 5);
        d.bytes(ByteBuffer.wrap(img, (1 << 30) + (1 << 20) + 5, size - ((1 << 30) + (1 << 20) + 5)));
        d.finish();
        assertThat(d.value()).isEqualTo(naive(version, img));
    }

    /**
     * One 64 KiB cluster written in every 640 KiB (the benchmarks' 10 %-allocated image): version 2 hashes exactly the
     * written leaves, whether the zeros around them come as zero runs or as zero bytes, and still equals the
     * definition; version 1 hashes every 1 MiB leaf that a cluster falls into.
     */
    @Test
    void onlyLeavesHoldingDataAreHashed() throws Exception {
        int size = 64 << 20;
        byte[] img = new byte[size];
        Random r = new Random(7);
        int clusters = 0;
        for (int at = 0; at < size; at += 640 << 10) {
            byte[] c = new byte[64 << 10];
            r.nextBytes(c);
            System.arraycopy(c, 0, img, at, c.length);
            clusters++;
        }
        for (ContentDigest.Version v : ContentDigest.Version.values()) {
            ContentDigest runs = new ContentDigest(v);
            ContentDigest plain = new ContentDigest(v);
            for (int at = 0; at < size; at += 640 << 10) {
                int n = Math.min(640 << 10, size - at);
                runs.bytes(ByteBuffer.wrap(img, at, 64 << 10));
                runs.zeros(n - (64 << 10));
                plain.bytes(ByteBuffer.wrap(img, at, n));
            }
            runs.finish();
            plain.finish();
            assertThat(runs.value()).as(v.name()).isEqualTo(naive(v, img)).isEqualTo(plain.value());
            if (v == ContentDigest.Version.V2) {
                assertThat(runs.hashedLeaves()).isEqualTo(clusters);
                assertThat(plain.hashedLeaves()).isEqualTo(clusters);
            } else {
                assertThat(runs.hashedLeaves()).isEqualTo(64);
            }
        }
    }

    @Test
    void emptyImageIsTheHashOfItsSize() throws Exception {
        assertThat(ContentDigest.of(new byte[0])).isEqualTo(MessageDigest.getInstance("SHA-256").digest(new byte[8]));
    }

    @Test
    void aHugeZeroImageCostsNextToNothing() throws IOException {
        long start = System.nanoTime();
        ContentDigest d = new ContentDigest();
        d.zeros(1L << 50); // 1 PiB
        d.finish();
        assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
        assertThat(d.size()).isEqualTo(1L << 50);
        ByteArrayOutputStream unused = new ByteArrayOutputStream();
        assertThat(unused.size()).isZero();
    }
}
