package dev.volport.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real commands for the launcher tests: {@code bash -c} scripts with the repository's {@code bin} on PATH. */
final class Shell {
    static final Path HOME = Path.of(System.getenv().getOrDefault("VOLPORT_HOME", ".")).toAbsolutePath();
    static final String VOLPORT = HOME.resolve("bin/volport").toString();

    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }
    }

    private Shell() {
    }

    /** Runs {@code script} with bash ({@code set -o pipefail}), waiting at most {@code timeoutSeconds}. */
    static Result bash(String script, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -o pipefail\n" + script);
        pb.environment().put("VOLPORT", VOLPORT);
        pb.environment().remove("VOLPORT_CONFIG");
        Process p = pb.start();
        p.getOutputStream().close();
        var errFuture = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        var out = p.getInputStream().readAllBytes();
        var err = errFuture.join();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + script);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err, StandardCharsets.UTF_8));
    }

    static Result bash(String script) throws IOException, InterruptedException {
        return bash(script, 300);
    }

    /**
     * Writes {@code tmp/storage.cfg} with two dir storages, {@code src} at {@code tmp/src} and {@code dst} at
     * {@code tmp/dst}, and returns the command that runs volport quietly on it.
     */
    static String twoDirStorages(Path tmp) throws IOException {
        Path cfg = tmp.resolve("storage.cfg");
        java.nio.file.Files.writeString(cfg, """
                dir: src
                \tpath %s

                dir: dst
                \tpath %s
                """.formatted(tmp.resolve("src"), tmp.resolve("dst")));
        return VOLPORT + " --config " + q(cfg) + " --quiet";
    }

    /** Single-quotes a word for bash. */
    static String q(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }
}
