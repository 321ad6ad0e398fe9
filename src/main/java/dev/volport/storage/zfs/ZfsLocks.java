package dev.volport.storage.zfs;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The locks of one {@code zfspool} storage. A pool has no file volport could lock inside it (a dataset may not be
 * mounted, a zvol is no file), so the locks are open file description locks on files in a directory volport owns
 * on this host, {@code LOCKDIR/POOL} ({@code /run/volport/zfs/…} by default, with {@code /} in the pool's name
 * written {@code %2F}):
 * <ul>
 *   <li>{@code storage.lock}: held while names are chosen, staging datasets created and leftovers removed;</li>
 *   <li>{@code STAGING.lock}: created (under the storage lock) before the staging dataset {@code STAGING} and held by
 *       its importer until the dataset was renamed or destroyed. The kernel drops it when the importer dies, also
 *       by SIGKILL; {@code /run} is emptied at boot, so after a crash no lock file is left either.</li>
 * </ul>
 * A staging dataset whose lock file is missing or free is a leftover. This holds for a pool only this host imports
 * into. For a {@code shared} storage another host may be importing, and its locks are not here: there,
 * {@link #abandoned} never says yes and leftovers are reported, not removed.
 */
final class ZfsLocks {
    /** Where the lock directories are by default: tmpfs, emptied at boot. */
    static final Path DEFAULT_DIR = Path.of("/run/volport/zfs");

    private final Linux linux;
    private final Path dir;
    private final boolean shared;

    ZfsLocks(Linux linux, Path lockRoot, String pool, boolean shared) {
        this.linux = linux;
        this.dir = lockRoot.resolve(pool.replace("%", "%25").replace("/", "%2F"));
        this.shared = shared;
    }

    /** A held lock; closing releases it (and removes a staging lock's file). */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private void ensureDir() throws StorageException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new StorageException("cannot create the lock directory '" + dir + "': " + e.getMessage(), e);
        }
    }

    /** Waits for the storage lock. */
    Held storage() throws IOException {
        ensureDir();
        StorageLock lock = StorageLock.acquire(linux, dir.resolve("storage.lock"));
        return lock::close;
    }

    /** Creates and locks the lock file of staging dataset {@code staging}; call under the storage lock. */
    Held staging(String staging) throws IOException {
        ensureDir();
        Path file = file(staging);
        LinuxCalls.OfdLock lock;
        try {
            lock = linux.createLocked(file);
        } catch (IOException e) {
            throw new StorageException("cannot create the lock file '" + file + "' of an import: " + e.getMessage(),
                    e);
        }
        return () -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // A lock file left behind is harmless: it is free, and its dataset is gone.
            }
            lock.close();
        };
    }

    /**
     * Whether no importer holds staging dataset {@code staging}; if so, its lock is taken and returned, to be closed
     * once the dataset is destroyed. Call under the storage lock. Always empty on a shared storage.
     */
    Optional<Held> abandoned(String staging) throws IOException {
        if (shared) {
            return Optional.empty();
        }
        Path file = file(staging);
        if (!Files.exists(file)) {
            return Optional.of(() -> { });
        }
        Optional<LinuxCalls.OfdLock> lock = linux.tryLock(file);
        if (lock.isEmpty()) {
            return Files.exists(file) ? Optional.empty() : Optional.of(() -> { });
        }
        return Optional.of(() -> {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // free and harmless, see staging()
            }
            lock.get().close();
        });
    }

    /**
     * The staging datasets of imports running on this host: a lock file whose lock is held. A lock file nobody holds
     * is a killed import's (its dataset may be gone already: a cut {@code zfs recv} removes what it created), see
     * {@link #lockFiles()} and {@link ZfsLeftovers#removeStaleLocks}. Call under the storage lock.
     */
    java.util.List<String> inProgress() throws IOException {
        java.util.List<String> held = new java.util.ArrayList<>();
        for (String name : lockFiles()) {
            Optional<LinuxCalls.OfdLock> lock = linux.tryLock(file(name));
            if (lock.isPresent()) {
                lock.get().close();
            } else if (Files.exists(file(name))) {
                held.add(name);
            }
        }
        return held;
    }

    /** The staging names with a lock file: running imports and killed ones. */
    java.util.List<String> lockFiles() throws IOException {
        if (!Files.isDirectory(dir)) {
            return java.util.List.of();
        }
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lock") && !n.equals("storage.lock"))
                    .map(n -> n.substring(0, n.length() - ".lock".length())).toList();
        }
    }

    /** The lock file of a staging dataset, for messages and tests. */
    Path file(String staging) {
        return dir.resolve(staging + ".lock");
    }

    boolean shared() {
        return shared;
    }
}
