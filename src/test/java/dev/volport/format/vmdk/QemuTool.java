package dev.volport.format.vmdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code qemu-img} / {@code qemu-io} (Debian qemu-utils) as the test oracle. A missing tool fails the test:
 * the oracle tests must not pass by skipping.
 */
final class QemuTool {
    /** Exit code, stdout and stderr of one run. */
    record Result(int exit, String out, String err) {
    }

    private QemuTool() {
    }

    static Result run(Path dir, String... argv) {
        ProcessBuilder pb = new ProcessBuilder(List.of(argv)).directory(dir.toFile());
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(argv[0] + " did not finish");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                    new String(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return fail("cannot run " + argv[0] + " (install qemu-utils): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", e);
        }
    }

    /** Runs and asserts exit 0. */
    static Result ok(Path dir, String... argv) {
        Result r = run(dir, argv);
        assertThat(r.exit()).as("%s: %s%s", String.join(" ", argv), r.out(), r.err()).isZero();
        return r;
    }
}
