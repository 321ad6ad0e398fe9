package dev.volport.faults;

import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.ResourceLocksProvider;

/**
 * The common frame of the fault cases that need every storage type: a btrfs on a loop device, and a
 * {@link FaultWorld} (dir, btrfs and zfspool storages with their sources) made before a class's first test and
 * destroyed after its last, held by the class's one instance ({@code PER_CLASS}).
 *
 * <p>Failsafe enables JUnit's parallel execution with two threads. Every other integration test class runs in the
 * main one, one at a time; the fault classes are {@code CONCURRENT}: the second thread takes them one by one, and the
 * main one joins in when its own classes are done, so at most two classes run at once. Each class holds a lock of its
 * own for its whole run, which keeps its tests and their cases in one thread, one trial at a time: the trials of a
 * class share its storages, and each looks at what the one before left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock(providers = FaultWorldTest.OwnWorld.class)
abstract class FaultWorldTest {
    /** The lock of one fault class: its world is its own, so other classes may run beside it. */
    static final class OwnWorld implements ResourceLocksProvider {
        @Override
        public Set<Lock> provideForClass(Class<?> testClass) {
            return Set.of(new Lock("volport-fault-world-" + testClass.getName()));
        }
    }

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
