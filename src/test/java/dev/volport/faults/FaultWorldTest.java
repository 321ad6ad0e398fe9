package dev.volport.faults;

import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The common frame of the fault cases that need every storage type: a btrfs on a loop device, and a
 * {@link FaultWorld} (dir, btrfs and zfspool storages with their sources) made before a class's first test and
 * destroyed after its last, held by the class's one instance ({@code PER_CLASS}).
 *
 * <p>Failsafe enables JUnit's parallel execution with two threads. Most integration test classes run in the main one,
 * one at a time; the fault classes are {@code CONCURRENT} and run beside them, but one after another among
 * themselves: they share the lock {@value #LOCK}, which also keeps each class's tests and their cases in one thread,
 * one trial at a time (the trials of a class share its storages, and each looks at what the one before left). Each
 * class still makes its own world. Two fault classes at once, each with two zfs-fuse pools, left zfs-fuse unable to
 * destroy a pool for over a minute (in two runs), so they do not run side by side; nor do the other classes that
 * use zfs-fuse ({@code ZfsPoolIT}, {@code DiskFullIT}), which hold the same lock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(FaultWorldTest.LOCK)
abstract class FaultWorldTest {
    static final String LOCK = "volport-zfs-fuse";

    private final BtrfsLoop btrfs = new BtrfsLoop();
    Path tmp;
    FaultWorld world;

    @BeforeAll
    void makeWorld() throws Exception {
        btrfs.mount();
        tmp = Files.createTempDirectory("volport-faults-");
        world = FaultWorld.create(tmp, btrfs.freshDirectory("faults"), true);
    }

    @AfterAll
    void dropWorld() throws Exception {
        try (BtrfsLoop b = btrfs; FaultWorld w = world) {
            if (tmp != null) {
                FaultWorld.deleteTree(tmp.resolve("streams"));
            }
        }
    }

    List<ImportPath> paths() {
        return world.paths();
    }
}
