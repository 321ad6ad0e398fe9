package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sink contract as the raw+size encoder, the exact-length check and the tee implement it. */
class ExtentSinkTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final WritableByteChannel out = Channels.newChannel(bytes);

    private FileChannel file(byte[] content) throws IOException {
        return FileChannel.open(Files.write(tmp.resolve("host"), content), StandardOpenOption.READ);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Records every call a sink gets to its zero writer, and writes the zeros like the buffered one. */
    private static final class RecordingZeros implements ZeroWriter {
        final List<Long> calls = new ArrayList<>();

        @Override
        public void write(WritableByteChannel to, long count, LongConsumer written) throws IOException {
            calls.add(count);
            ZeroWriter.BUFFERED.write(to, count, written);
        }
    }

    @Test
    void adjacentHostRangesOfOneFileAreMergedIntoOneTransfer() throws IOException {
        byte[] content = random(64 << 10, 1);
        try (FileChannel f = file(content)) {
            RawBodyEncoder enc = new RawBodyEncoder(out, ZeroWriter.BUFFERED, Progress.NONE, "test image");
            enc.data(f, 0, 4096);
            enc.data(f, 4096, 4096);
            enc.data(f, 8192, 8192);
            // Still one pending run: nothing was sent for the first three ranges.
            assertThat(enc.written()).isZero();
            enc.data(f, 32768, 4096);
            // Not adjacent: the merged run [0, 16384) went out in one piece, the new range waits.
            assertThat(enc.written()).isEqualTo(16384);
            enc.finish();
            assertThat(enc.written()).isEqualTo(20480);
        }
        byte[] expected = new byte[20480];
        System.arraycopy(content, 0, expected, 0, 16384);
        System.arraycopy(content, 32768, expected, 16384, 4096);
        assertThat(bytes.toByteArray()).isEqualTo(expected);
    }

    @Test
    void aMergedRunStopsGrowingAtMaxRun() throws IOException {
        Path sparse = tmp.resolve("sparse");
        try (FileChannel f = FileChannel.open(sparse, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            f.write(ByteBuffer.wrap(new byte[] {1}), RawBodyEncoder.MAX_RUN + 4095);
            RawBodyEncoder enc = new RawBodyEncoder(WritableNull.INSTANCE, ZeroWriter.BUFFERED, Progress.NONE, "t");
            enc.data(f, 0, RawBodyEncoder.MAX_RUN - 4096);
            enc.data(f, RawBodyEncoder.MAX_RUN - 4096, 4096);
            assertThat(enc.written()).isZero();
            enc.data(f, RawBodyEncoder.MAX_RUN, 4096);
            assertThat(enc.written()).isEqualTo(RawBodyEncoder.MAX_RUN);
            enc.finish();
            assertThat(enc.written()).isEqualTo(RawBodyEncoder.MAX_RUN + 4096);
        }
    }

    @Test
    void consecutiveZeroRunsGoToTheZeroWriterAsOneRunAndComeOutAsZeros() throws IOException {
        RecordingZeros zeros = new RecordingZeros();
        RawBodyEncoder enc = new RawBodyEncoder(out, zeros, Progress.NONE, "t");
        enc.zeros(1000);
        enc.zeros(0);
        enc.zeros(3000);
        enc.bytes(ByteBuffer.wrap(new byte[] {9, 9}));
        enc.zeros(5000);
        enc.zeros(2_000_000);
        assertThat(zeros.calls).containsExactly(4000L);
        enc.finish();
        assertThat(zeros.calls).containsExactly(4000L, 2_005_000L);
        byte[] got = bytes.toByteArray();
        assertThat(got).hasSize(4000 + 2 + 2_005_000);
        assertThat(got[4000]).isEqualTo((byte) 9);
        assertThat(got[4001]).isEqualTo((byte) 9);
        got[4000] = 0;
        got[4001] = 0;
        assertThat(got).containsOnly((byte) 0);
    }

    @Test
    void bytesAreConsumedAndTheBufferIsFreeOnReturn() throws IOException {
        RawBodyEncoder enc = new RawBodyEncoder(out, ZeroWriter.BUFFERED, Progress.NONE, "t");
        ByteBuffer buf = ByteBuffer.allocateDirect(8);
        buf.put(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}).flip().position(2).limit(6);
        enc.bytes(buf);
        assertThat(buf.position()).isEqualTo(6);
        assertThat(buf.limit()).isEqualTo(6);
        buf.clear().put(new byte[8]).flip();  // the caller refills at once: what was sent stays sent
        enc.finish();
        assertThat(bytes.toByteArray()).containsExactly(3, 4, 5, 6);
    }

    @Test
    void progressCountsEveryByteOfEveryKind() throws IOException {
        long[] seen = new long[1];
        Progress p = new Progress() {
            @Override
            public void start(String what, long totalBytes) {
            }

            @Override
            public void advance(long n) {
                seen[0] += n;
            }

            @Override
            public void finish() {
            }
        };
        try (FileChannel f = file(random(10_000, 2))) {
            RawBodyEncoder enc = new RawBodyEncoder(out, ZeroWriter.BUFFERED, p, "t");
            enc.data(f, 100, 5000);
            enc.zeros(7000);
            enc.bytes(ByteBuffer.wrap(new byte[300]));
            enc.finish();
        }
        assertThat(seen[0]).isEqualTo(12_300).isEqualTo(bytes.size());
    }

    @Test
    void tooManyBytesAreRefusedBeforeAnyOfThemIsWritten() throws IOException {
        ExactLengthSink sink = RawBodyEncoder.stream(out, 100, ZeroWriter.BUFFERED, Progress.NONE,
                "qcow2 image local:100/vm-100-disk-0.qcow2");
        sink.bytes(ByteBuffer.wrap(new byte[60]));
        assertThatThrownBy(() -> sink.bytes(ByteBuffer.wrap(new byte[41])))
                .isInstanceOf(ExtentException.class)
                .hasMessage("qcow2 image local:100/vm-100-disk-0.qcow2: the image goes on past its 100 bytes"
                        + " (an extent of 41 bytes at offset 60)");
        assertThat(bytes.size()).isEqualTo(SizeHeader.BYTES + 60);
        assertThatThrownBy(() -> sink.zeros(41)).isInstanceOf(ExtentException.class);
        sink.zeros(40);
        sink.finish();
        assertThat(bytes.size()).isEqualTo(SizeHeader.BYTES + 100);
        assertThat(Arrays.copyOf(bytes.toByteArray(), 8)).isEqualTo(SizeHeader.encode(100).array());
    }

    @Test
    void tooFewBytesFailAtFinish() throws IOException {
        ExactLengthSink sink = new ExactLengthSink(new RawBodyEncoder(out, ZeroWriter.BUFFERED, Progress.NONE, "t"),
                4096, "VMDK local:100/vm-100-disk-1.vmdk");
        sink.zeros(4000);
        assertThat(sink.position()).isEqualTo(4000);
        assertThatThrownBy(sink::finish).isInstanceOf(ExtentException.class)
                .hasMessage("VMDK local:100/vm-100-disk-1.vmdk: the image ended after 4000 of its 4096 bytes");
    }

    @Test
    void aHostRangePastTheEndOfItsFileIsAClearError() throws IOException {
        try (FileChannel f = file(random(4096, 3))) {
            RawBodyEncoder enc = new RawBodyEncoder(out, ZeroWriter.BUFFERED, Progress.NONE,
                    "local:100/vm-100-disk-0.raw");
            enc.data(f, 0, 8192);
            assertThatThrownBy(enc::finish).isInstanceOf(ExtentException.class)
                    .hasMessage("local:100/vm-100-disk-0.raw: its file ends at byte 4096, inside a data range that"
                            + " should run to byte 8192 (did the file shrink while being read?)");
        }
    }

    @Test
    void teeHandsEveryEventToBothSinksWithTheSameBytes() throws IOException {
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        byte[] content = random(10_000, 4);
        try (FileChannel f = file(content)) {
            TeeSink tee = new TeeSink(new RawBodyEncoder(out, ZeroWriter.BUFFERED, Progress.NONE, "a"),
                    new RawBodyEncoder(Channels.newChannel(second), ZeroWriter.BUFFERED, Progress.NONE, "b"));
            ByteBuffer buf = ByteBuffer.wrap(new byte[] {5, 6, 7});
            tee.bytes(buf);
            assertThat(buf.hasRemaining()).isFalse();
            tee.data(f, 10, 500);
            tee.zeros(77);
            tee.finish();
        }
        assertThat(bytes.size()).isEqualTo(3 + 500 + 77);
        assertThat(second.toByteArray()).isEqualTo(bytes.toByteArray());
        assertThat(Arrays.copyOfRange(bytes.toByteArray(), 3, 503)).isEqualTo(Arrays.copyOfRange(content, 10, 510));
    }

    /** Counts nothing, keeps nothing: for runs too large to hold. */
    private enum WritableNull implements WritableByteChannel {
        INSTANCE;

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            return n;
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
