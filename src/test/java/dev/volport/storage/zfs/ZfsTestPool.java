package dev.volport.storage.zfs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A real ZFS pool for a test class: zfs-fuse (started by {@code scripts/test}) on a sparse 256 MiB file in a temp
 * directory, mounted below it, with a name unique to the run ({@code vpt…}); {@link #close()} destroys it, also after
 * a failure. When {@code zpool} does not answer the test fails with what to do: these tests never skip.
 */
public final class ZfsTestPool implements AutoCloseable {
    private final String name;
    private final Path dir;
    private final Path mountpoint;

    private ZfsTestPool(String name, Path dir) {
        this.name = name;
        this.dir = dir;
        this.mountpoint = dir.resolve("mnt");
    }

    /** Creates a pool on a sparse file in {@code dir}. */
    public static ZfsTestPool create(Path dir) throws Exception {
        String name = "vpt" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 4);
        Path file = dir.resolve(name + ".img");
        Files.createDirectories(dir);
        try (var f = java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            f.truncate(0);
            f.write(java.nio.ByteBuffer.allocate(1), (256L << 20) - 1);
        }
        ZfsTestPool pool = new ZfsTestPool(name, dir);
        String out = run("zpool", "create", "-m", pool.mountpoint.toString(), name, file.toString());
        if (out == null) {
            throw new AssertionError("cannot create a zfs-fuse pool: is zfs-fuse installed and its daemon running?"
                    + " scripts/test installs and starts it (apt-get install zfs-fuse; /usr/sbin/zfs-fuse)");
        }
        return pool;
    }

    public String name() {
        return name;
    }

    /** Where the pool's root dataset is mounted; datasets below at {@code mountpoint/NAME}. */
    public Path mountpoint() {
        return mountpoint;
    }

    /** Runs {@code zfs ARGS} and returns stdout, failing the test on a non-zero exit. */
    public static String zfs(String... args) throws Exception {
        List<String> argv = new ArrayList<>(List.of("zfs"));
        argv.addAll(List.of(args));
        String out = run(argv.toArray(String[]::new));
        if (out == null) {
            throw new AssertionError("failed: " + String.join(" ", argv));
        }
        return out;
    }

    /** Stdout of the command, or null if it failed. */
    static String run(String... argv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return null;
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return null;
        }
        if (p.exitValue() != 0) {
            System.err.println(String.join(" ", argv) + ": " + out);
            return null;
        }
        return out;
    }

    private static int quiet(String... argv) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor();
    }

    /** Names of every dataset and snapshot in the pool, sorted. */
    public List<String> all() throws Exception {
        return zfs("list", "-H", "-o", "name", "-t", "all", "-r", name).lines().sorted().toList();
    }

    @Override
    public void close() throws Exception {
        // zfs-fuse may hold a just-used dataset for seconds ("pool is busy"); a pool left behind fails the test
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (quiet("zpool", "destroy", "-f", name) != 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("cannot destroy test pool " + name + ": " + run("zpool", "destroy", "-f", name));
            }
            Thread.sleep(250);
        }
        Files.deleteIfExists(dir.resolve(name + ".img"));
    }
}
