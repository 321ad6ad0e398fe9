package dev.volport.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real btrfs for one test class: a sparse image file in a new temporary directory, {@code mkfs.btrfs -q}, and
 * {@code mount -o loop}, before the class's first test; unmounted and its loop device detached ({@code losetup -d})
 * after the last one, also when a test failed, then the image removed. Register it as a static field:
 * {@code @RegisterExtension static final BtrfsLoop BTRFS = new BtrfsLoop();}, or call {@link #mount} and
 * {@link #close} from the owner's own {@code @BeforeAll} and {@code @AfterAll} (a class whose instance holds it).
 *
 * <p>The tools must be there (the suite runs as root and {@code scripts/test} installs {@code btrfs-progs}): a
 * missing {@code mkfs.btrfs} or a failed mount fails the class, it never skips it.
 */
public final class BtrfsLoop implements BeforeAllCallback, AfterAllCallback, AutoCloseable {
    private static final long IMAGE_BYTES = 2L << 30;

    private final AtomicInteger fresh = new AtomicInteger();
    private Path work;
    private Path mount;
    private String loopDevice;

    /** Where the filesystem is mounted. */
    public Path mountPoint() {
        if (mount == null) {
            throw new IllegalStateException("the btrfs is not mounted (register BtrfsLoop with @RegisterExtension)");
        }
        return mount;
    }

    /** A new, empty directory on the filesystem, for one test's storage. */
    public Path freshDirectory(String prefix) throws IOException {
        return Files.createDirectory(mountPoint().resolve(prefix + "-" + fresh.incrementAndGet()));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        mount();
    }

    /** Makes and mounts the filesystem; for an owner that is not a JUnit extension point (see {@link #close}). */
    public void mount() throws Exception {
        work = Files.createTempDirectory("volport-btrfs-");
        Path image = work.resolve("fs.img");
        mount = Files.createDirectory(work.resolve("mnt"));
        try (var f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(IMAGE_BYTES);
        }
        run("mkfs.btrfs", "-q", image.toString());
        loopDevice = run("losetup", "--find", "--show", image.toString()).strip();
        run("mount", "-t", "btrfs", loopDevice, mount.toString());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        close();
    }

    /** Unmounts the filesystem, detaches its loop device and removes its image; nothing if it was never mounted. */
    @Override
    public void close() throws Exception {
        List<String> failures = new ArrayList<>();
        if (mount != null) {
            tryRun(failures, "umount", mount.toString());
        }
        if (loopDevice != null) {
            tryRun(failures, "losetup", "-d", loopDevice);
        }
        if (work != null && failures.isEmpty()) {
            try (Stream<Path> s = Files.walk(work)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new AssertionError("cleaning up the test btrfs: " + String.join("; ", failures));
        }
    }

    private static void tryRun(List<String> failures, String... argv) {
        try {
            run(argv);
        } catch (IOException | InterruptedException | AssertionError e) {
            failures.add(e.getMessage());
        }
    }

    /** Runs a tool and returns its stdout; fails with its stderr when it exits non-zero or cannot start. */
    public static String run(String... argv) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot run '" + argv[0] + "' (is btrfs-progs installed? scripts/test installs"
                    + " it): " + e.getMessage(), e);
        }
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("'" + String.join(" ", argv) + "' timed out");
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("'" + String.join(" ", argv) + "' failed with exit code " + p.exitValue() + ": "
                    + err.join().strip());
        }
        return out;
    }
}
