package dev.volport.storage.zfs;

import static dev.volport.storage.zfs.ZfsTestPool.zfs;

import dev.volport.format.StreamFormat;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.storage.StorageContract;
import dev.volport.storage.StorageType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage contract for {@code zfspool}, on a real ZFS: one zfs-fuse pool for the class, and per test a fresh
 * dataset below it as the storage's {@code pool} ({@code POOL/tN}, mounted below the pool's mountpoint).
 *
 * <p>zfs-fuse has no zvols ({@code zfs create -V} fails with "Function not implemented"), so the contract runs on
 * container volumes ({@code subvol-100-disk-N} datasets, {@code tar+size} streams); the checks that need disk images
 * ({@code raw+sparse}, qcow2) are skipped with that reason. zvol imports and exports are covered at the argv level in
 * {@link ZfsZvolTest}.
 */
class ZfsPoolStorageContractTest extends StorageContract {
    private static final AtomicInteger TESTS = new AtomicInteger();

    @TempDir
    static Path poolDir;
    static ZfsTestPool pool;
    private String dataset;

    @BeforeAll
    static void createPool() throws Exception {
        pool = ZfsTestPool.create(poolDir.resolve("pool"));
    }

    @AfterAll
    static void destroyPool() throws Exception {
        if (pool != null) {
            pool.close();
        }
    }

    private static Path lockRoot() {
        return poolDir.resolve("locks");
    }

    @Override
    protected StorageType type() {
        return new ZfsPoolStorageType(new ProcessCommandRunner(), lockRoot());
    }

    @Override
    protected Path storageRoot(Path tmp) throws IOException {
        String child = "t" + TESTS.incrementAndGet();
        dataset = pool.name() + "/" + child;
        try {
            zfs("create", dataset);
        } catch (Exception e) {
            throw new IOException(e);
        }
        return pool.mountpoint().resolve(child);
    }

    @Override
    protected String section(String id, Path root) {
        return "zfspool: " + id + "\n\tpool " + dataset + "\n\tmountpoint " + root + "\n\tcontent images,rootdir\n";
    }

    @Override
    protected Volumes volumes() {
        return Volumes.CONTAINERS;
    }

    @Override
    protected Optional<StreamFormat> sendFormat() {
        return Optional.of(StreamFormat.ZFS);
    }

    @Override
    protected boolean holdsImageFiles() {
        return false;
    }

    @Override
    protected String volname(String format, int n) {
        return (format.equals("subvol") ? "subvol-100-disk-" : "vm-100-disk-") + n;
    }

    /**
     * What a killed import leaves: a staging dataset {@code volport-import-HEX-NAME} with data in it, created while
     * its lock file was held, the lock released as the kernel does when the importer dies.
     */
    @Override
    protected Path plantLeftover(String volname) throws IOException {
        String staging = ZfsImport.STAGING_PREFIX + "0123456789abcdef-" + volname;
        Path lock = new ZfsLocks(env().linux(), lockRoot(), dataset, false).file(staging);
        Files.createDirectories(lock.getParent());
        try (LinuxCalls.OfdLock held = env().linux().createLocked(lock)) {
            zfs("create", dataset + "/" + staging);
            Files.write(root.resolve(staging).resolve("partial"), new byte[] {1, 2, 3});
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
        return root.resolve(staging);
    }

    @Override
    protected boolean bookkeeping(Path p) {
        return false;
    }
}
