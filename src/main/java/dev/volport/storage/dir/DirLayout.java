package dev.volport.storage.dir;

import dev.volport.config.StorageSection;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.StorageException;
import dev.volport.storage.MountPoints;
import dev.volport.storage.Staging;
import dev.volport.storage.StorageLock;
import dev.volport.storage.Warnings;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where a {@code dir} storage keeps things (reference §4.4): the content subdirectories below {@code path}, the
 * lock file, whether the storage is online ({@code is_mountpoint}), and the crash leftovers of imports
 * ({@link Staging} names them; {@link #cleanLeftovers} removes those whose importer is gone).
 */
final class DirLayout {
    private static final String LOCK_FILE = ".volport.lock";

    private final StorageSection section;
    private final Path root;
    private final Map<ContentType, String> contentDirs;

    DirLayout(StorageSection section) throws StorageException {
        this.section = section;
        this.root = section.path().orElseThrow(
                () -> new StorageException("storage '" + section.id() + "' has no path"));
        this.contentDirs = section.contentDirs();
    }

    Path root() {
        return root;
    }

    Path lockFile() {
        return root.resolve(LOCK_FILE);
    }

    /** A content type's subdirectory, relative to the root: its {@code content-dirs} entry, else the default. */
    String subdirName(ContentType type) {
        return contentDirs.getOrDefault(type, type.subdir());
    }

    /** The reference's {@code get_subdir}: where volumes of {@code type} live. */
    Path subdir(ContentType type) {
        return root.resolve(subdirName(type));
    }

    /** The file (or directory) that holds {@code vol}; for an OVA member, the {@code .ova} archive. */
    Path file(DirVolumeName vol) {
        return root.resolve(vol.relativePath(this::subdirName));
    }

    /**
     * Fails when two content types of the storage resolve to one existing directory, as the reference's
     * {@code activate_storage} does ({@code content-dirs} can make them collide). Directories that do not exist are
     * not compared.
     *
     * @throws StorageException {@code storage 'ID' uses directory DIR for multiple content types}
     */
    void requireDistinctSubdirs() throws StorageException {
        Map<Path, ContentType> seen = new HashMap<>();
        for (ContentType t : section.content()) {
            Path real;
            try {
                real = subdir(t).toRealPath();
            } catch (IOException absent) {
                continue;
            }
            ContentType other = seen.putIfAbsent(real, t);
            if (other != null) {
                throw new StorageException("storage '" + section.id() + "' uses directory " + real
                        + " for multiple content types (" + other.id() + ", " + t.id() + ")");
            }
        }
    }

    /**
     * The file names in {@code dir} that a new volume may not take: every entry, with the names of staging
     * objects and their lock files counted as the final names they stand for (an import in progress has
     * reserved its name).
     */
    static List<String> takenNames(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                names.add(Staging.finalName(f).orElse(f));
            }
        }
        return names;
    }

    /**
     * Fails unless the storage is online: when {@code is_mountpoint} names a directory, that directory must be
     * mounted (as the reference's {@code activate_storage} demands). Creates nothing.
     *
     * @throws StorageException {@code unable to activate storage 'ID' - directory is expected to be a mount point
     *         but is not mounted: 'DIR'}, the reference's words
     */
    void requireOnline() throws StorageException {
        MountPoints.requireOnline(section);
    }

    /** Whether {@link #requireOnline} would pass and the storage's directory exists. */
    boolean online() {
        Optional<Path> mp = section.mountPoint();
        return (mp.isEmpty() || mounted(mp.get())) && Files.isDirectory(root);
    }

    /**
     * Makes the storage usable for writing: it is online ({@link #requireOnline}, checked first, so nothing is
     * ever created on the filesystem beneath an absent mount), the base path exists (created when
     * {@code create-base-path} allows), and the content subdirectories exist (when {@code create-subdirs}
     * allows).
     */
    void activate() throws StorageException {
        requireOnline();
        try {
            if (!Files.isDirectory(root)) {
                if (!section.createBasePath()) {
                    throw new StorageException("storage '" + section.id() + "': path '" + root
                            + "' does not exist (create-base-path is off)");
                }
                Files.createDirectories(root);
            }
            if (section.createSubdirs()) {
                for (ContentType t : section.content()) {
                    Files.createDirectories(subdir(t));
                }
            }
        } catch (IOException e) {
            throw new StorageException("storage '" + section.id() + "': cannot prepare '" + root + "': "
                    + e.getMessage(), e);
        }
        requireDistinctSubdirs();
    }

    /**
     * Whether {@code dir} is the mount point of a mounted filesystem: its real path (symlinks resolved, as the
     * reference's {@code Cwd::realpath}) is the target of an entry in {@code /proc/self/mounts}. A directory that
     * does not exist is not mounted.
     */
    static boolean mounted(Path dir) {
        return MountPoints.mounted(dir);
    }

    /**
     * The directories where imports stage: the subdirectories of the importable content types and the per-guest
     * image directories ({@code images/VMID}). Nowhere else is a staging name volport's.
     */
    private List<Path> stagingDirs() throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (ContentType t : List.of(ContentType.ISO, ContentType.VZTMPL, ContentType.SNIPPETS, ContentType.IMPORT)) {
            Path d = subdir(t);
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(d);
            }
        }
        Path images = subdir(ContentType.IMAGES);
        if (Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, p -> p.getFileName().toString()
                    .matches("\\d{1,9}") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
                ds.forEach(dirs::add);
            }
        }
        return dirs;
    }

    /** The staging objects and staging lock files in the storage, by name only (no lock taken). */
    private List<Path> stagingEntries() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path d : stagingDirs()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, Staging::isStagingEntry)) {
                ds.forEach(out::add);
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Removes the staging objects whose importer is gone, each with its lock file, and reports each on
     * {@code warnings}. The caller holds the storage lock, so no importer is between creating its staging object
     * and locking it. Which objects are leftovers is decided by their locks alone ({@link Staging#removeIfAbandoned}),
     * never by a process id, so an import running on another host of a shared storage is left alone. An entry
     * that cannot be checked is reported and kept.
     */
    void cleanLeftovers(Linux linux, Warnings warnings) throws IOException {
        for (Path p : stagingEntries()) {
            try {
                if (Staging.removeIfAbandoned(linux, p)) {
                    warnings.println("volport: removed '" + p + "', left by an interrupted import");
                }
            } catch (IOException e) {
                warnings.println("volport: cannot check whether '" + p + "' is left by an interrupted import: "
                        + e.getMessage());
            }
        }
    }

    /**
     * {@link #cleanLeftovers} for a caller that does not hold the storage lock (a listing): when any staging name
     * is present, takes the lock and cleans; when there is none, takes no lock at all, so listing a read-only
     * storage still works.
     */
    void cleanLeftoversLocking(Linux linux, Warnings warnings) throws IOException {
        if (stagingEntries().isEmpty()) {
            return;
        }
        StorageLock lock;
        try {
            lock = StorageLock.acquire(linux, lockFile());
        } catch (StorageException e) {
            // A read-only storage, or a user who may not write its lock file: list without cleaning (removing
            // would fail the same way); a lock held by another process only makes this wait, it never gets here.
            if (e.getCause() instanceof LinuxCalls.SyscallException sys && (sys.errno() == EROFS
                    || sys.errno() == EACCES || sys.errno() == EPERM)) {
                warnings.println("volport: storage '" + section.id() + "': not looking for leftovers of"
                        + " interrupted imports: " + e.getMessage());
                return;
            }
            throw e;
        }
        try (lock) {
            cleanLeftovers(linux, warnings);
        }
    }

    private static final int EPERM = 1;
    private static final int EACCES = 13;
    private static final int EROFS = 30;

    /** Deletes a file, or a directory with all it holds, never following symlinks ({@link Staging#deleteTree}). */
    static void deleteTree(Path p) throws IOException {
        Staging.deleteTree(p);
    }
}
