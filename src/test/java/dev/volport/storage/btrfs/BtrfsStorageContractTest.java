package dev.volport.storage.btrfs;

import dev.volport.os.LinuxCalls;
import dev.volport.storage.Staging;
import dev.volport.storage.StorageContract;
import dev.volport.storage.StorageType;
import dev.volport.testing.BtrfsLoop;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The storage contract for {@code btrfs}, on a real btrfs (one loop-mounted filesystem, a directory per test). */
class BtrfsStorageContractTest extends StorageContract {
    @RegisterExtension
    static final BtrfsLoop BTRFS = new BtrfsLoop();

    @Override
    protected StorageType type() {
        return new BtrfsStorageType();
    }

    @Override
    protected Path storageRoot(Path tmp) throws IOException {
        return BTRFS.freshDirectory("store");
    }

    @Override
    protected boolean holdsImageFiles() {
        return false;
    }

    @Override
    protected String section(String id, Path root) {
        return "btrfs: " + id + "\n\tpath " + root + "\n\tcontent images,rootdir\n";
    }

    @Override
    protected String volname(String format, int n) {
        return "100/vm-100-disk-" + n + "." + format;
    }

    /** A staging subvolume with its lock file, as an import makes them, whose lock is no longer held. */
    @Override
    protected Path plantLeftover(String volname) throws IOException {
        Path dir = root.resolve("images/100");
        Files.createDirectories(dir);
        String name = volname.substring(volname.indexOf('/') + 1).replaceFirst("\\.raw$", "");
        Path p = dir.resolve(Staging.PREFIX + "0123456789abcdef." + name);
        Path lock = dir.resolve(Staging.LOCK_PREFIX + "0123456789abcdef." + name);
        try (LinuxCalls.OfdLock held = env().linux().createLocked(lock)) {
            BtrfsLoop.run("btrfs", "-q", "subvolume", "create", "--", p.toString());
            Files.write(p.resolve("disk.raw"), new byte[] {1, 2, 3});
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        return p;
    }

    @Override
    protected boolean bookkeeping(Path p) {
        return p.getFileName().toString().equals(".volport.lock");
    }
}
