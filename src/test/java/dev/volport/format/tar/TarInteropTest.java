package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fidelity and interoperability with GNU tar using the reference flags: GNU tar's stream extracted by
 * {@link TarImporter}, {@link TarExporter}'s stream extracted by GNU tar, and volport to volport. Each compares
 * a full metadata dump of the source tree with the extracted tree. Needs root and the real tools.
 */
class TarInteropTest {
    @TempDir
    Path tmp;
    private Path src;

    @BeforeEach
    void fixture() throws Exception {
        src = Files.createDirectory(tmp.resolve("src"));
        TreeFixture.build(src);
    }

    @AfterEach
    void unmount() throws Exception {
        TreeFixture.unmount(src);
    }

    @Test
    void gnuTarStreamExtractsIdentically() throws Exception {
        List<String> argv = new ArrayList<>(List.of("tar"));
        argv.addAll(List.of(TreeFixture.GNU_TAR_FLAGS));
        argv.addAll(List.of("--warning=no-file-ignored", "-cf", "-", "-C", src.toString(), "."));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        new TarImporter().extract(Channels.newChannel(p.getInputStream()), dst, TarLimits.DEFAULTS, Progress.NONE);
        assertThat(p.waitFor()).isZero();
        assertThat(TreeFixture.dump(dst)).containsExactlyElementsOf(TreeFixture.dump(src));
    }

    @Test
    void exportedStreamExtractsWithGnuTarWithoutWarnings() throws Exception {
        byte[] stream = export();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        List<String> argv = new ArrayList<>(List.of("tar"));
        argv.addAll(List.of(TreeFixture.GNU_TAR_FLAGS));
        argv.addAll(List.of("-xpf", "-", "-C", dst.toString()));
        Process p = new ProcessBuilder(argv).start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        try (var in = p.getOutputStream()) {
            in.write(stream);
        }
        p.getInputStream().readAllBytes();
        assertThat(p.waitFor()).isZero();
        // GNU tar warns about every pre-1970 time, its own archives included (the fixture has one on purpose)
        assertThat(new String(err.get(), StandardCharsets.UTF_8).lines()
                .filter(l -> !l.equals("tar: ./owned: implausibly old time stamp 1960-06-01 12:00:01.5"))).isEmpty();
        assertThat(TreeFixture.dump(dst)).containsExactlyElementsOf(TreeFixture.dump(src));
    }

    @Test
    void exportedStreamIsListedByGnuTarAsPosixWithSparseMembers() throws Exception {
        byte[] stream = export();
        assertThat(stream.length % 10240).isZero();
        Path file = tmp.resolve("stream.tar");
        Files.write(file, stream);
        String listing = TreeFixture.run(tmp, "tar", "--numeric-owner", "-tvf", file.toString());
        assertThat(listing).contains("./sparse-holes", "./sub/link2 link to ./linked", "./rel-link -> plain",
                "./mnt/").doesNotContain("inside", "socket", "GNUSparseFile", "PaxHeaders");
        assertThat(new String(stream, StandardCharsets.ISO_8859_1)).contains("GNU.sparse.major=1",
                "SCHILY.acl.default=user::rwx", "SCHILY.xattr.security.capability=", "./PaxHeaders/");
    }

    @Test
    void roundTripThroughVolportKeepsEverything() throws Exception {
        byte[] stream = export();
        Path dst = Files.createDirectory(tmp.resolve("dst"));
        new TarImporter().extract(Channels.newChannel(new ByteArrayInputStream(stream)), dst, TarLimits.DEFAULTS,
                Progress.NONE);
        List<String> expected = TreeFixture.dump(src);
        assertThat(String.join("\n", expected)).contains("mode=4755", "mode=2711", "mode=1777", "mode=2775",
                "uid=4000000000", "type=20000", "type=60000", "type=10000", "rdev=", "blocks=", "nlink=3",
                "security.capability=0x", "user.binary=0x00ff10", "user:1234:rwx", "default:user:1001:r-x",
                "mtime=1960-06-01T12:00:00.500Z", ".123456789Z", "target=/etc/passwd", "target=tttt", "mnt ")
                .doesNotContain("inside", "socket");
        assertThat(TreeFixture.dump(dst)).containsExactlyElementsOf(expected);
    }

    private byte[] export() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new TarExporter().export(src, Channels.newChannel(out), TarOptions.DEFAULTS, Progress.NONE);
        return out.toByteArray();
    }
}
