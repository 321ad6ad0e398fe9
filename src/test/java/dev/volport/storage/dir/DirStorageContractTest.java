package dev.volport.storage.dir;

import dev.volport.storage.Staging;

import dev.volport.os.LinuxCalls;
import dev.volport.storage.StorageContract;
import dev.volport.storage.StorageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The storage contract for {@code dir}. */
class DirStorageContractTest extends StorageContract {
    @Override
    protected StorageType type() {
        return new DirStorageType();
    }

    @Override
    protected String section(String id, Path root) {
        return "dir: " + id + "\n\tpath " + root + "\n\tcontent images,rootdir\n";
    }

    @Override
    protected String volname(String format, int n) {
        return "100/vm-100-disk-" + n + "." + format;
    }

    @Override
    protected Path plantLeftover(String volname) throws IOException {
        Path dir = root.resolve("images/100");
        Files.createDirectories(dir);
        String file = volname.substring(volname.indexOf('/') + 1);
        Path p = dir.resolve(Staging.PREFIX + "0123456789abcdef." + file);
        // made and locked the way an importer does; closing the lock is what the kernel does when it is killed
        try (LinuxCalls.OfdLock held = env().linux().createLocked(p)) {
            Files.write(p, new byte[] {1, 2, 3});
        }
        return p;
    }

    @Override
    protected boolean bookkeeping(Path p) {
        return p.getFileName().toString().equals(".volport.lock");
    }
}
