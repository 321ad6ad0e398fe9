package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Any bytes, and valid images with random words overwritten, give a result or a {@link FormatException}: never
 * another exception, and never unbounded output (the reader is stopped after {@link #OUTPUT_CAP} bytes, which
 * catches a mutated virtual size, not an error).
 */
class Qcow2FuzzTest {
    static final long OUTPUT_CAP = 16L << 20;
    private static Path valid;
    private static byte[] validBytes;

    @BeforeContainer
    static void makeImage() throws IOException {
        valid = Files.createTempFile("volport-fuzz", ".qcow2");
        byte[] raw = new byte[3 << 20];
        Random r = new Random(42);
        for (int at : new int[] {0, 70_000, 1 << 20, (3 << 20) - 100}) {
            for (int k = 0; k < 100 && at + k < raw.length; k++) {
                raw[at + k] = (byte) r.nextInt();
            }
        }
        try (FileChannel out = FileChannel.open(valid, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            Qcow2Writer.convert(Channels.newChannel(new ByteArrayInputStream(raw)), raw.length, out, Progress.NONE);
        }
        validBytes = Files.readAllBytes(valid);
    }

    @AfterContainer
    static void removeImage() throws IOException {
        Files.deleteIfExists(valid);
    }

    /** One overwrite: {@code width} bytes of {@code value} at {@code position}. */
    record Mutation(int position, long value, int width) {
    }

    @Provide
    Arbitrary<List<Mutation>> headerMutations() {
        return mutations(Arbitraries.integers().between(0, 255));
    }

    @Provide
    Arbitrary<List<Mutation>> anywhereMutations() {
        return mutations(Arbitraries.integers().between(0, validBytes.length - 1));
    }

    private static Arbitrary<List<Mutation>> mutations(Arbitrary<Integer> positions) {
        Arbitrary<Long> values = Arbitraries.oneOf(Arbitraries.longs(), Arbitraries.of(0L, 1L, -1L, 0xffffffffL,
                1L << 62, 1L << 63, 0x10000L, 0x200L));
        return Combinators.combine(positions, values, Arbitraries.of(1, 2, 4, 8)).as(Mutation::new).list()
                .ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 500)
    void anyBytesParseOrFail(@ForAll @Size(max = 600) byte[] bytes, @ForAll long fileLength) {
        try {
            Qcow2Header.parse(ByteBuffer.wrap(bytes), fileLength, "fuzz");
        } catch (FormatException expected) {
            // fine: malformed input
        }
    }

    @Property(tries = 500)
    void mutatedHeadersParseOrFail(@ForAll("headerMutations") List<Mutation> mutations) {
        byte[] image = mutate(mutations);
        try {
            Qcow2Header.parse(ByteBuffer.wrap(image, 0, 65536), image.length, "fuzz");
        } catch (FormatException expected) {
            // fine
        }
    }

    @Property(tries = 150)
    void mutatedImagesOpenReadAndValidateOrFail(@ForAll("anywhereMutations") List<Mutation> mutations)
            throws IOException {
        exercise(mutate(mutations));
    }

    @Property(tries = 150)
    void mutatedImageHeadersOpenReadAndValidateOrFail(@ForAll("headerMutations") List<Mutation> mutations)
            throws IOException {
        exercise(mutate(mutations));
    }

    @Property(tries = 100)
    void anyFileContentOpensOrFails(@ForAll @Size(max = 4096) byte[] bytes) throws IOException {
        byte[] withMagic = bytes.clone();
        if (withMagic.length >= 8) {
            ByteBuffer.wrap(withMagic).putInt(Qcow2Header.MAGIC).putInt(3);
        }
        exercise(withMagic);
    }

    private static byte[] mutate(List<Mutation> mutations) {
        byte[] image = validBytes.clone();
        ByteBuffer b = ByteBuffer.wrap(image);
        for (Mutation m : mutations) {
            for (int k = 0; k < m.width() && m.position() + k < image.length; k++) {
                b.put(m.position() + k, (byte) (m.value() >>> (8 * (m.width() - 1 - k))));
            }
        }
        return image;
    }

    private static void exercise(byte[] image) throws IOException {
        Path p = Files.createTempFile("volport-fuzz", ".qcow2");
        try {
            Files.write(p, image);
            try (FileChannel ch = FileChannel.open(p)) {
                try (Qcow2Image q = Qcow2Image.open(ch, "fuzz", BackingResolver.NONE)) {
                    q.readRaw(Optional.empty(), new Capped(), Progress.NONE);
                    for (Qcow2Snapshot s : q.snapshots()) {
                        q.readRaw(Optional.of(s.id()), new Capped(), Progress.NONE);
                    }
                } catch (FormatException | Capped.Stop expected) {
                    // fine
                }
                try {
                    Qcow2Validator.validate(ch, "fuzz", 3 << 20);
                } catch (FormatException expected) {
                    // fine
                }
            }
        } finally {
            Files.delete(p);
        }
    }

    /** Discards output and stops the reader after {@link #OUTPUT_CAP} bytes. */
    static final class Capped implements WritableByteChannel {
        static final class Stop extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }

        private long n;

        @Override
        public int write(ByteBuffer src) {
            int r = src.remaining();
            n += r;
            if (n > OUTPUT_CAP) {
                throw new Stop();
            }
            src.position(src.limit());
            return r;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
