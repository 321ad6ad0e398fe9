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

/**
 * The content digest against a naive implementation of its definition (docs/formats.md): hash every leaf, hash
 * every group of leaf digests, hash the group digests and the size. No zero shortcuts and no threads there, so the
 * sink's constants, parallel hashing and event cutting are checked against the definition itself.
 */
public class ContentDigestTest {
    @TempDir
    Path tmp;

    public static byte[] naive(byte[] img) throws Exception {
        MessageDigest root = MessageDigest.getInstance("SHA-256");
        List<byte[]> leaves = new ArrayList<>();
        for (int off = 0; off < img.length; off += ContentDigest.LEAF) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(img, off, Math.min(ContentDigest.LEAF, img.length - off));
            leaves.add(md.digest());
        }
        for (int g = 0; g < leaves.size(); g += ContentDigest.GROUP) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int i = g; i < Math.min(g + ContentDigest.GROUP, leaves.size()); i++) {
                md.update(leaves.get(i));
            }
            root.update(md.digest());
        }
        root.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(img.length).array());
        return root.digest();
    }

    /** An image of random data and zero runs, sent as random events of all three kinds. */
    @Property(tries = 40)
    void equalsTheDefinitionWhateverTheEvents(@ForAll @IntRange(max = 6 << 20) int size, @ForAll long seed)
            throws Exception {
        Random r = new Random(seed);
        byte[] img = new byte[size];
        for (int at = 0; at < size; ) {
            int n = Math.min(size - at, r.nextInt(1, 1 << 20));
            if (r.nextBoolean()) {
                byte[] d = new byte[n];
                r.nextBytes(d);
                System.arraycopy(d, 0, img, at, n);
            }
            at += n;
        }
        Path file = Files.createTempFile("volport-digest", ".img");
        Files.write(file, img);
        ContentDigest d = new ContentDigest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int at = 0; at < size; ) {
                int n = Math.min(size - at, r.nextInt(1, 3 << 19));
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
        assertThat(d.value()).isEqualTo(naive(img));
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
    @Test
    void zeroGroupsAndDataAfterThemMatchTheDefinition() throws Exception {
        int size = (1 << 30) + (3 << 20) + 17;
        byte[] img = new byte[size];
        new Random(1).nextBytes(img);
        java.util.Arrays.fill(img, 0, (1 << 30) + (1 << 20) + 5, (byte) 0);
        ContentDigest d = new ContentDigest();
        d.zeros((1 << 30) + (1 << 20) + 5);
        d.bytes(ByteBuffer.wrap(img, (1 << 30) + (1 << 20) + 5, size - ((1 << 30) + (1 << 20) + 5)));
        d.finish();
        assertThat(d.value()).isEqualTo(naive(img));
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
