package dev.volport.faults;

import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The common frame of the fault cases that need every storage type: a btrfs on a loop device, and a
 * {@link FaultWorld} (dir, btrfs and zfspool storages with their sources) made before a class's first test and
 * destroyed after its last.
 *
 * <p>The fault classes run beside the rest of the integration tests (Failsafe enables JUnit's parallel execution with
 * two threads; every other class runs in the main one), but one after another among themselves: they hold the lock
 * {@value #LOCK} for their whole run, which also keeps their methods and cases in one thread. So the static fields
 * belong to one class at a time, and one trial at a time looks at the storages.
 */
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(FaultWorldTest.LOCK)
abstract class FaultWorldTest {
    static final String LOCK = "volport-fault-world";

    @RegisterExtension
    static final BtrfsLoop BTRFS = new BtrfsLoop();

    static Path tmp;
    static FaultWorld world;

    @BeforeAll
    static void makeWorld() throws Exception {
        tmp = Files.createTempDirectory("volport-faults-");
        world = FaultWorld.create(tmp, BTRFS.freshDirectory("faults"), true);
    }

    @AfterAll
    static void dropWorld() throws Exception {
        try (FaultWorld w = world) {
            FaultWorld.deleteTree(tmp.resolve("streams"));
        }
    }

    static List<ImportPath> paths() {
        return world.paths();
    }
}
