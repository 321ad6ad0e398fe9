package dev.volport.storage;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What an import writes before it becomes a volume: a file, or for a {@code tar+size} stream a directory, named
 * {@code .volport-staging.TOKEN.FINALNAME} next to its final name, plus the lock that says its importer is alive.
 * Listings skip it (a dot-name); a storage counts it as {@code FINALNAME} when it chooses names ({@link #finalName}).
 * Shared by the storage types that keep volumes as files or directories below a path ({@code dir}, {@code btrfs}):
 * a type whose staging directories are not plain directories (a btrfs subvolume, a receive directory holding
 * read-only subvolumes) says how to make and remove them ({@link Trees}).
 *
 * <p>{@code TOKEN} is 16 random hex digits, so names stay unique across the hosts of a shared storage (two hosts
 * can run importers with the same process id for the same volume name). The lock is an open file description lock
 * ({@link LinuxCalls.OfdLock}): on the staging file itself, or for a directory on the lock file
 * {@code .volport-lock.TOKEN.FINALNAME} beside it, which is created and locked before the directory and removed
 * only after the directory is gone or renamed, so a staging directory without its lock file is always abandoned.
 * The kernel drops the lock when the importer dies in any way (SIGKILL, OOM), and an NFS or CephFS server drops it
 * when the importer's host is gone; what {@link #removeIfAbandoned} can lock is a leftover.
 *
 * <p>Life: {@link #createFile}/{@link #createDirectory} under the storage lock (a cleaner runs under it too, so
 * it never sees an object before its lock), write into {@link #path()}, {@link #commit} (rename without
 * replacing), {@link #close} (releases the lock; removes the object first unless it was committed). Safe to close
 * from a signal handler's thread while another thread writes.
 */
public final class Staging implements AutoCloseable {
    public static final String PREFIX = ".volport-staging.";
    public static final String LOCK_PREFIX = ".volport-lock.";
    /** Also matches the process-id names of earlier versions (digits are hex digits), which get the same test. */
    private static final Pattern NAME = Pattern.compile("^\\.volport-(staging|lock)\\.([0-9a-f]{1,32})\\.(.+)$");

    /**
     * How a storage type makes a staging directory and removes one with all it holds (a tree it left, or a crash
     * leftover). {@link #PLAIN}: {@code mkdir}, and a recursive delete that never follows symlinks.
     */
    public interface Trees {
        Trees PLAIN = new Trees() {
            @Override
            public void create(Path dir) throws IOException {
                Files.createDirectory(dir);
            }

            @Override
            public void delete(Path tree) throws IOException {
                deleteTree(tree);
            }
        };

        /** Creates the directory {@code dir}; fails if it exists. */
        void create(Path dir) throws IOException;

        /** Removes the file or directory {@code tree} with everything below it; nothing if it is gone. */
        void delete(Path tree) throws IOException;
    }

    private final Path path;
    private final Optional<Path> lockFile;
    private final LinuxCalls.OfdLock lock;
    private final Trees trees;
    private boolean committed;
    private boolean closed;

    private Staging(Path path, Optional<Path> lockFile, LinuxCalls.OfdLock lock, Trees trees) {
        this.path = path;
        this.lockFile = lockFile;
        this.lock = lock;
        this.trees = trees;
    }

    /** Creates and locks a staging file for {@code finalName} in {@code dir}. Call under the storage lock. */
    public static Staging createFile(Linux linux, Path dir, String finalName) throws IOException {
        Path p = dir.resolve(PREFIX + newToken() + "." + finalName);
        return new Staging(p, Optional.empty(), linux.createLocked(p), Trees.PLAIN);
    }

    /**
     * Creates and locks the lock file, then creates the staging directory for {@code finalName} in {@code dir}.
     * Call under the storage lock.
     */
    public static Staging createDirectory(Linux linux, Path dir, String finalName) throws IOException {
        return createDirectory(linux, dir, finalName, Trees.PLAIN);
    }

    /** {@link #createDirectory(Linux, Path, String)} with the directory made and removed by {@code trees}. */
    public static Staging createDirectory(Linux linux, Path dir, String finalName, Trees trees)
            throws IOException {
        String token = newToken();
        Path lockFile = dir.resolve(LOCK_PREFIX + token + "." + finalName);
        Path p = dir.resolve(PREFIX + token + "." + finalName);
        LinuxCalls.OfdLock lock = linux.createLocked(lockFile);
        try {
            trees.create(p);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(lockFile);
            } finally {
                lock.close();
            }
            throw e;
        }
        return new Staging(p, Optional.of(lockFile), lock, trees);
    }

    /** Where the import writes: the staging file or directory. */
    public Path path() {
        return path;
    }

    /**
     * Renames the staging object to {@code finalPath} without replacing anything ({@code RENAME_NOREPLACE}); the
     * lock stays held until {@link #close}.
     *
     * @throws LinuxCalls.SyscallException errno {@link LinuxCalls#EEXIST} when {@code finalPath} exists
     */
    public synchronized void commit(Linux linux, Path finalPath) throws IOException {
        if (closed) {
            throw new IOException("staging object '" + path + "' was already removed");
        }
        linux.renameNoReplace(path, finalPath);
        committed = true;
    }

    /**
     * {@code fsync} of the directory a volume was just renamed into. The volume's data was flushed before the
     * rename, so when this fails the volume is complete and stays; the error says so, and that its new name may not
     * survive a power loss.
     */
    public static void flushCommitted(Linux linux, Path dir, String volume) throws StorageException {
        try {
            linux.fsyncDirectory(dir);
        } catch (IOException e) {
            throw new StorageException(volume + " is complete and in place, but flushing its directory failed ("
                    + e.getMessage() + "): the new name may not survive a power loss", e);
        }
    }

    /** Removes the staging object unless committed, then the lock file, then releases the lock. Idempotent. */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (!committed) {
                trees.delete(path);
            }
            if (lockFile.isPresent()) {
                Files.deleteIfExists(lockFile.get());
            }
        } finally {
            lock.close();
        }
    }

    /** Whether {@code p}'s name is a staging object's or a staging lock file's. */
    public static boolean isStagingEntry(Path p) {
        return NAME.matcher(p.getFileName().toString()).matches();
    }

    /** The final file name a staging object or lock file name stands for, if it is one. */
    public static Optional<String> finalName(String fileName) {
        Matcher m = NAME.matcher(fileName);
        return m.matches() ? Optional.of(m.group(3)) : Optional.empty();
    }

    /**
     * Removes the staging object or lock file {@code p} if its importer is gone, that is when its lock can be
     * taken (or, for a staging directory, when its lock file is missing). Only regular files and directories with
     * a staging name are ever touched: a symlink, device or FIFO with such a name is not volport's and stays.
     * A lock file whose staging directory still exists is left to that directory's turn. Call under the storage
     * lock.
     *
     * @return whether something was removed
     */
    public static boolean removeIfAbandoned(Linux linux, Path p) throws IOException {
        return removeIfAbandoned(linux, p, Trees.PLAIN);
    }

    /** {@link #removeIfAbandoned(Linux, Path)} with staging directories removed by {@code trees}. */
    public static boolean removeIfAbandoned(Linux linux, Path p, Trees trees) throws IOException {
        Matcher m = NAME.matcher(p.getFileName().toString());
        if (!m.matches()) {
            return false;
        }
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException gone) {
            return false;
        }
        String rest = m.group(2) + "." + m.group(3);
        if (m.group(1).equals("lock")) {
            if (!a.isRegularFile() || Files.exists(p.resolveSibling(PREFIX + rest), LinkOption.NOFOLLOW_LINKS)) {
                return false;
            }
            return removeLocked(linux, p, p, Trees.PLAIN);
        }
        if (a.isRegularFile()) {
            return removeLocked(linux, p, p, Trees.PLAIN);
        }
        if (a.isDirectory()) {
            Path lockFile = p.resolveSibling(LOCK_PREFIX + rest);
            if (!Files.exists(lockFile, LinkOption.NOFOLLOW_LINKS)) {
                trees.delete(p);
                return true;
            }
            boolean removed = removeLocked(linux, lockFile, p, trees);
            if (removed) {
                Files.deleteIfExists(lockFile);
            }
            return removed;
        }
        return false;
    }

    /** Takes {@code lockFile}'s lock if free, and while holding it removes {@code victim}; false when held. */
    private static boolean removeLocked(Linux linux, Path lockFile, Path victim, Trees trees)
            throws IOException {
        Optional<LinuxCalls.OfdLock> held = linux.tryLock(lockFile);
        if (held.isEmpty()) {
            return false;
        }
        try (LinuxCalls.OfdLock l = held.get()) {
            if (!Files.exists(victim, LinkOption.NOFOLLOW_LINKS)) {
                return false;   // committed (renamed) by its importer just before we looked
            }
            trees.delete(victim);
            return true;
        }
    }

    /** Deletes a file, or a directory with all it holds, never following symlinks. */
    public static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(q);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }

    /** 16 hex digits from the kernel's random pool. */
    private static String newToken() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("/dev/urandom"))) {
            byte[] b = in.readNBytes(8);
            if (b.length != 8) {
                throw new IOException("reading /dev/urandom: short read");
            }
            return HexFormat.of().formatHex(b);
        }
    }
}
