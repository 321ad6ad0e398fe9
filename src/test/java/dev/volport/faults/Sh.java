package dev.volport.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs bash scripts for the fault suite, with {@code bin/volport} of this checkout and its helper scripts at hand. */
final class Sh {
    static final Path HOME = Path.of(System.getenv().getOrDefault("VOLPORT_HOME", ".")).toAbsolutePath();
    static final String VOLPORT = HOME.resolve("bin/volport").toString();

    record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    private Sh() {
    }

    /** Runs {@code script} with {@code bash -c} and {@code pipefail}; fails the test after {@code timeoutSeconds}. */
    static Result bash(String script, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "set -o pipefail\n" + script);
        pb.environment().remove("VOLPORT_CONFIG");
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out after " + timeoutSeconds + " s: " + script);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }

    static Result bash(String script) throws IOException, InterruptedException {
        return bash(script, 300);
    }

    /** Runs {@code script} and fails the test unless it exits 0; returns its stdout. */
    static String ok(String script) throws IOException, InterruptedException {
        Result r = bash(script);
        if (r.exit() != 0) {
            throw new AssertionError("failed: " + script + "\n" + r);
        }
        return r.out();
    }

    /** Single-quotes a word for bash. */
    static String q(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }
}
