package dev.volport.format.qcow2;

import dev.volport.testing.DigestChannel;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The test oracle: qemu-img and qemu-io (Debian qemu-utils) run as argv lists. A missing tool fails the test
 * (scripts/test installs qemu-utils); it never skips.
 */
final class Qemu {
    private Qemu() {
    }

    /** Exit code and combined output of one run. */
    record Result(int exit, String output) {
    }

    static Result exec(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + argv);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + argv + " (is qemu-utils installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs and requires exit 0. */
    static String run(String... argv) {
        Result r = exec(List.of(argv));
        if (r.exit() != 0) {
            fail(String.join(" ", argv) + " exited " + r.exit() + ": " + r.output());
        }
        return r.output();
    }

    static void img(String... args) {
        List<String> argv = new ArrayList<>(List.of("qemu-img"));
        argv.addAll(List.of(args));
        run(argv.toArray(String[]::new));
    }

    /** qemu-io commands on a qcow2 image, one {@code -c} each. */
    static void io(Path image, String... commands) {
        List<String> argv = new ArrayList<>(List.of("qemu-io", "-f", "qcow2"));
        for (String c : commands) {
            argv.add("-c");
            argv.add(c);
        }
        argv.add(image.toString());
        run(argv.toArray(String[]::new));
    }

    /** SHA-256 of qemu-img's raw conversion of {@code image} (of a snapshot if given). */
    static String rawSha(Path image, Optional<String> snapshot) throws IOException {
        Path raw = image.resolveSibling(image.getFileName() + "." + snapshot.orElse("current") + ".raw");
        List<String> argv = new ArrayList<>(List.of("qemu-img", "convert", "-f", "qcow2", "-O", "raw"));
        snapshot.ifPresent(s -> argv.addAll(List.of("-l", "snapshot.name=" + s)));
        argv.add(image.toString());
        argv.add(raw.toString());
        run(argv.toArray(String[]::new));
        try {
            return sha(raw);
        } finally {
            Files.delete(raw);
        }
    }

    static String sha(Path file) throws IOException {
        DigestChannel d = new DigestChannel();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf.clear()) > 0) {
                d.write(buf.flip());
            }
        }
        return d.hex();
    }

}
