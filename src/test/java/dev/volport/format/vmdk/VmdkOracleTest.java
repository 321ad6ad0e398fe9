package dev.volport.format.vmdk;

import static dev.volport.format.vmdk.QemuTool.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.testing.DigestChannel;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Guest content read by {@link VmdkImage#readRaw} equals {@code qemu-img convert -O raw} of the same file. */
class VmdkOracleTest {
    @TempDir
    Path tmp;

    /** Reads {@code vmdk} with volport and with qemu-img, compares the digests, and validates the file. */
    private void check(Path vmdk, Subformat expected) throws IOException {
        ok(tmp, "qemu-img", "convert", "-f", "vmdk", "-O", "raw", vmdk.toString(), "oracle.raw");
        byte[] oracle = Files.readAllBytes(tmp.resolve("oracle.raw"));
        DigestChannel sink = new DigestChannel();
        try (FileChannel ch = FileChannel.open(vmdk); VmdkImage image = VmdkImage.open(ch, vmdk.toString())) {
            assertThat(image.subformat()).isEqualTo(expected);
            assertThat(image.virtualSize()).isEqualTo(oracle.length);
            image.readRaw(sink, Progress.NONE);
            VmdkValidator.validate(ch, vmdk.toString(), oracle.length);
        }
        assertThat(sink.bytes()).isEqualTo(oracle.length);
        assertThat(sink.hex()).isEqualTo(VmdkFixtures.sha256(oracle));
    }

    private Path raw(int size, long seed) throws IOException {
        return Files.write(tmp.resolve("in.raw"), VmdkFixtures.sparseData(size, seed));
    }

    @Test
    void emptyMonolithicSparse() throws IOException {
        ok(tmp, "qemu-img", "create", "-f", "vmdk", "e.vmdk", "40M");
        check(tmp.resolve("e.vmdk"), Subformat.MONOLITHIC_SPARSE);
    }

    @Test
    void monolithicSparseWithData() throws IOException {
        raw(5 << 20, 1);
        ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "in.raw", "d.vmdk");
        check(tmp.resolve("d.vmdk"), Subformat.MONOLITHIC_SPARSE);
    }

    @Test
    void monolithicSparseSpanningSeveralGrainTables() throws IOException {
        // 70 MiB: three grain tables of 32 MiB, the last partly used, and a capacity that is not whole grains
        byte[] data = new byte[(70 << 20) + 3 * 512];
        byte[] some = VmdkFixtures.sparseData(1 << 20, 2);
        for (int off : new int[] {0, 33 << 20, 69 << 20}) {
            System.arraycopy(some, 0, data, off, some.length);
        }
        data[data.length - 1] = 9;
        Files.write(tmp.resolve("in.raw"), data);
        ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "in.raw", "big.vmdk");
        check(tmp.resolve("big.vmdk"), Subformat.MONOLITHIC_SPARSE);
    }

    @Test
    void zeroedGrains() throws IOException {
        ok(tmp, "qemu-img", "create", "-f", "vmdk", "-o", "zeroed_grain=on", "z.vmdk", "4M");
        ok(tmp, "qemu-io", "-f", "vmdk", "-c", "write -P 0x55 0 256k", "-c", "write -z 64k 64k",
                "-c", "write -z 1M 128k", "z.vmdk");
        Path z = tmp.resolve("z.vmdk");
        check(z, Subformat.MONOLITHIC_SPARSE);
        try (FileChannel ch = FileChannel.open(z)) {
            VmdkValidator.Summary s = VmdkValidator.validate(ch, "z", 4 << 20);
            assertThat(s.zeroedGrains()).as("qemu-io write -z makes GTE 1").isEqualTo(3);
            assertThat(s.dataGrains()).isEqualTo(3);
        }
    }

    @Test
    void zeroedGrainFlagFromConvert() throws IOException {
        raw(3 << 20, 3);
        ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "zeroed_grain=on", "in.raw", "zg.vmdk");
        check(tmp.resolve("zg.vmdk"), Subformat.MONOLITHIC_SPARSE);
    }

    @Test
    void qemuStreamOptimized() throws IOException {
        raw(5 << 20, 4);
        ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", "in.raw",
                "s.vmdk");
        check(tmp.resolve("s.vmdk"), Subformat.STREAM_OPTIMIZED);
    }

    @Test
    void vmwareStreamOptimizedBuiltFromTheSpec() throws IOException {
        byte[] data = VmdkFixtures.sparseData((34 << 20) + 4096, 5);
        Path p = Files.write(tmp.resolve("vmw.vmdk"), VmdkFixtures.vmwareStream(data).bytes());
        check(p, Subformat.STREAM_OPTIMIZED);
        try (FileChannel ch = FileChannel.open(p); VmdkImage image = VmdkImage.open(ch, "vmw")) {
            assertThat(image.gdAtEnd()).isTrue();
            DigestChannel sink = new DigestChannel();
            image.readRaw(sink, Progress.NONE);
            assertThat(sink.hex()).isEqualTo(VmdkFixtures.sha256(data));
        }
    }

    @Test
    void readRawIntoAPipe() throws Exception {
        byte[] data = VmdkFixtures.sparseData(2 << 20, 6);
        Files.write(tmp.resolve("in.raw"), data);
        ok(tmp, "qemu-img", "convert", "-f", "raw", "-O", "vmdk", "in.raw", "p.vmdk");
        Pipe pipe = Pipe.open();
        CompletableFuture<byte[]> reader = CompletableFuture.supplyAsync(() -> {
            try (var in = java.nio.channels.Channels.newInputStream(pipe.source())) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (FileChannel ch = FileChannel.open(tmp.resolve("p.vmdk")); VmdkImage image = VmdkImage.open(ch, "p");
                var sink = pipe.sink()) {
            image.readRaw(sink, Progress.NONE);
        }
        assertThat(reader.get()).isEqualTo(data);
    }
}
