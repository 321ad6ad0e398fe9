package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Imports that die half way: killed by a signal, or out of space on a small real filesystem (tmpfs, mounted by
 * the test; the suite runs as root). Each must leave no volume and no staging file behind.
 */
class ImportFailureIT {
    @TempDir
    Path tmp;
    Path cfg;
    Path mount;

    @BeforeEach
    void config() throws IOException {
        mount = tmp.resolve("small");
        cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, """
                dir: dst
                \tpath %s

                dir: small
                \tpath %s
                """.formatted(tmp.resolve("dst"), mount));
    }

    @AfterEach
    void unmount() throws Exception {
        bash("mountpoint -q " + q(mount) + " && umount " + q(mount) + " || true");
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isRegularFile(p) && !p.getFileName().toString().equals(".volport.lock"))
                    .toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void signalMidStreamRemovesTheStagingFile(String signal) throws Exception {
        // env resets SIGINT to its default: a test run started in the background inherits it ignored, and a
        // process that ignores the signal cannot show what volport does on it (env then execs, same pid)
        ProcessBuilder pb = new ProcessBuilder("env", "--default-signal=INT", Shell.VOLPORT, "--config",
                cfg.toString(), "--quiet", "import", "dst:100/vm-100-disk-0.raw", "raw+size", "-");
        pb.redirectError(tmp.resolve("err").toFile());
        pb.redirectOutput(tmp.resolve("out").toFile());
        Process p = pb.start();
        Path images = tmp.resolve("dst/images/100");
        try (OutputStream in = p.getOutputStream()) {
            in.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 30).array());
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 1);
            for (int i = 0; i < 8; i++) {
                in.write(chunk);
            }
            in.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (files(images).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(files(images)).as("staging file while the import runs").hasSize(1)
                    .allMatch(f -> f.getFileName().toString().startsWith(".volport-staging."));
            Result kill = bash("kill -" + signal + " " + p.pid());
            assertThat(kill.exit()).isZero();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } catch (IOException brokenPipe) {
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(p.exitValue()).isNotZero();
        assertThat(files(tmp.resolve("dst"))).isEmpty();
        assertThat(Files.readString(tmp.resolve("out"), StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void diskFullFailsCleanly() throws Exception {
        Files.createDirectories(mount);
        Result m = bash("mount -t tmpfs -o size=4m volport-test " + q(mount));
        assertThat(m.exit()).as("mounting a tmpfs needs root: " + m.err()).isZero();
        Result r = bash("{ perl -e 'print pack(\"Q<\", 16777216)'; head -c 16777216 /dev/urandom; } | "
                + Shell.VOLPORT + " --config " + q(cfg) + " import small:100/vm-100-disk-0.raw raw+size -");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: import into small:100/vm-100-disk-0.raw failed")
                .contains("No space left on device");
        assertThat(files(mount)).isEmpty();
        assertThat(mount.resolve("images/100")).doesNotExist();
    }

    @Test
    void crashLeftoverIsCleanedByTheNextImport() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Shell.VOLPORT, "--config", cfg.toString(), "--quiet", "import",
                "dst:100/vm-100-disk-0.raw", "raw+size", "-");
        pb.redirectErrorStream(true);
        pb.redirectOutput(tmp.resolve("out").toFile());
        Process p = pb.start();
        OutputStream in = p.getOutputStream();
        in.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 30).array());
        in.write(new byte[1 << 20]);
        in.flush();
        Path images = tmp.resolve("dst/images/100");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (files(images).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        p.destroyForcibly().waitFor();   // SIGKILL: no hook runs, the staging file stays
        in.close();
        assertThat(files(images)).hasSize(1);
        Result r = bash("{ perl -e 'print pack(\"Q<\", 3)'; printf abc; } | " + Shell.VOLPORT + " --config "
                + q(cfg) + " import dst:100/vm-100-disk-0.raw raw+size -");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("left by an interrupted import");
        assertThat(files(images)).extracting(f -> f.getFileName().toString()).containsExactly("vm-100-disk-0.raw");
    }
}
