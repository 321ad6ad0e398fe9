package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.io.Progress;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files larger than the exporter's sendfile threshold and the importer's writeback step, dense and sparse, through
 * GNU tar into {@link TarImporter} and through {@link TarExporter} into {@link TarImporter} over a real pipe.
 */
class TarLargeFileTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;
    private Path src;

    @BeforeEach
    void tree() throws IOException {
        assertThat(TarImporter.WRITEBACK_STEP).isLessThan(70 * MIB);
        src = Files.createDirectory(tmp.resolve("src"));
        Random rnd = new Random(11);
        byte[] chunk = new byte[(int) MIB];
        try (RandomAccessFile dense = new RandomAccessFile(src.resolve("dense").toFile(), "rw");
                RandomAccessFile sparse = new RandomAccessFile(src.resolve("sparse").toFile(), "rw")) {
            for (int i = 0; i < 70; i++) {
                rnd.nextBytes(chunk);
                dense.write(chunk);
            }
            dense.write(chunk, 0, 12_345); // not a multiple of any block size
            sparse.setLength(120 * MIB);
            sparse.seek(10 * MIB);
            for (int i = 0; i < 40; i++) {
                rnd.nextBytes(chunk);
                sparse.write(chunk);
            }
        }
    }

    @Test
    void gnuTarStreamOfLargeFilesImportsIdentically() throws Exception {
        Process p = new ProcessBuilder("tar", "--sparse", "--numeric-owner", "-cf", "-", "-C", src.toString(), ".")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        new TarImporter().extract(Channels.newChannel(p.getInputStream()), dst, TarLimits.DEFAULTS, Progress.NONE);
        assertThat(p.waitFor()).isZero();
        assertSameFiles(dst);
    }

    @Test
    void exportedLargeFilesImportIdenticallyThroughAPipe() throws Exception {
        Pipe pipe = Pipe.open();
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (Pipe.SinkChannel sink = pipe.sink()) {
                new TarExporter().export(src, sink, TarOptions.DEFAULTS, Progress.NONE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        try (Pipe.SourceChannel source = pipe.source()) {
            new TarImporter().extract(source, dst, TarLimits.DEFAULTS, Progress.NONE);
        }
        writer.get();
        assertSameFiles(dst);
    }

    private void assertSameFiles(Path dst) throws Exception {
        for (String name : new String[] {"dense", "sparse"}) {
            assertThat(Files.size(dst.resolve(name))).as(name).isEqualTo(Files.size(src.resolve(name)));
            assertThat(sha256(dst.resolve(name))).as(name).isEqualTo(sha256(src.resolve(name)));
        }
        // The sparse file keeps its holes: about 40 MiB allocated of 120 MiB.
        assertThat(Linux.system().allocatedBytes(dst.resolve("sparse"))).isBetween(40 * MIB, 42 * MIB);
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
