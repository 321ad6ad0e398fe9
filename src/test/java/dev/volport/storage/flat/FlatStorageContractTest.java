package dev.volport.storage.flat;

import dev.volport.os.LinuxCalls;
import dev.volport.storage.StorageContract;
import dev.volport.storage.StorageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/** The storage contract for the test-only {@code flat} type, configured through a {@code flat: ID} section. */
class FlatStorageContractTest extends StorageContract {
    @Override
    protected StorageType type() {
        return new FlatStorageType();
    }

    @Override
    protected String section(String id, Path root) {
        return "flat: " + id + "\n\tpath " + root + "\n\tcontent images\n";
    }

    @Override
    protected String volname(String format, int n) {
        return "disk" + n + "." + format;
    }

    @Override
    protected Path plantLeftover(String volname) throws IOException {
        Files.createDirectories(root);
        Path p = root.resolve(FlatStorage.STAGING_PREFIX + UUID.randomUUID() + "." + volname);
        try (LinuxCalls.OfdLock held = env().linux().createLocked(p)) {
            Files.write(p, new byte[] {1, 2, 3});
        }
        return p;
    }

    @Override
    protected boolean bookkeeping(Path p) {
        return p.getFileName().toString().equals(FlatStorage.LOCK_FILE);
    }
}
