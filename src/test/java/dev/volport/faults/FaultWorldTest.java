package dev.volport.faults;

import dev.volport.testing.BtrfsLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The common frame of the fault cases that need every storage type: a btrfs on a loop device, and a
 * {@link FaultWorld} (dir, btrfs and zfspool storages with their sources) made before a class's first test and
 * destroyed after its last. Test classes run one after another, so the static fields belong to one class at a time.
 */
abstract class FaultWorldTest {
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
