package dev.volport.storage;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * An exclusive lock on one storage, held while names are chosen, staging objects created and crash leftovers
 * removed, so that two allocations or imports never pick the same name and a cleaner never sees a staging object
 * before its importer has locked it. It is an open file description lock ({@link LinuxCalls.OfdLock}) on a lock
 * file inside the storage: it excludes other threads of this process, other processes, and other hosts of a
 * shared storage whose filesystem forwards locks (NFS, CephFS). Not reentrant: a thread that holds it must not
 * ask for it again.
 */
public final class StorageLock implements AutoCloseable {
    private final LinuxCalls.OfdLock lock;

    private StorageLock(LinuxCalls.OfdLock lock) {
        this.lock = lock;
    }

    /**
     * Blocks until the lock on {@code lockFile} is held; creates the file if needed.
     *
     * @throws StorageException naming the lock file and why it could not be locked
     */
    public static StorageLock acquire(Linux linux, Path lockFile) throws IOException {
        Objects.requireNonNull(linux, "linux");
        try {
            return new StorageLock(linux.lockWaiting(lockFile));
        } catch (IOException e) {
            String why = e instanceof LinuxCalls.SyscallException sys
                    ? LinuxCalls.strerror(sys.errno()).toLowerCase(java.util.Locale.ROOT) : e.getMessage();
            throw new StorageException("cannot lock '" + lockFile + "': " + why, e);
        }
    }

    @Override
    public void close() {
        lock.close();
    }
}
