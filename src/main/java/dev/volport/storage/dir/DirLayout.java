package dev.volport.storage.dir;

import dev.volport.config.StorageSection;
import dev.volport.storage.StorageException;
import dev.volport.volume.ContentType;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where a {@code dir} storage keeps things (reference §4.4): the content subdirectories below {@code path}, the
 * lock file, and the staging names of imports in progress. A staging object is named
 * {@code .volport-staging.PID.FINALNAME} in the directory of its final name; listings skip every dot-name, and
 * a staging object whose process is gone is a crash leftover that {@link #cleanLeftovers} removes.
 */
final class DirLayout {
    static final String STAGING_PREFIX = ".volport-staging.";
    private static final Pattern STAGING = Pattern.compile("^\\.volport-staging\\.(\\d+)\\.(.+)$");
    private static final String LOCK_FILE = ".volport.lock";

    private final StorageSection section;
    private final Path root;

    DirLayout(StorageSection section) throws StorageException {
        this.section = section;
        this.root = section.path().orElseThrow(
                () -> new StorageException("storage '" + section.id() + "' has no path"));
    }

    Path root() {
        return root;
    }

    Path lockFile() {
        return root.resolve(LOCK_FILE);
    }

    Path subdir(ContentType type) {
        return root.resolve(type.subdir());
    }

    /** The staging name of an import whose final object is {@code finalPath}. */
    static Path stagingFor(Path finalPath, long pid) {
        return finalPath.resolveSibling(STAGING_PREFIX + pid + "." + finalPath.getFileName());
    }

    /** The final file name a staging name stands for, if it is one. */
    static Optional<String> stagedName(String fileName) {
        Matcher m = STAGING.matcher(fileName);
        return m.matches() ? Optional.of(m.group(2)) : Optional.empty();
    }

    /**
     * Makes the storage usable: the base path exists (created when {@code create-base-path} allows), is a mount
     * point when {@code is_mountpoint} says so, and the content subdirectories exist (when
     * {@code create-subdirs} allows).
     */
    void activate() throws StorageException {
        try {
            if (!Files.isDirectory(root)) {
                if (!section.createBasePath()) {
                    throw new StorageException("storage '" + section.id() + "': path '" + root
                            + "' does not exist (create-base-path is off)");
                }
                Files.createDirectories(root);
            }
            checkMountpoint();
            if (section.createSubdirs()) {
                for (ContentType t : section.content()) {
                    Files.createDirectories(subdir(t));
                }
            }
        } catch (IOException e) {
            throw new StorageException("storage '" + section.id() + "': cannot prepare '" + root + "': "
                    + e.getMessage(), e);
        }
    }

    private void checkMountpoint() throws IOException, StorageException {
        Optional<String> mp = section.isMountpoint();
        if (mp.isEmpty() || mp.get().equals("no") || mp.get().equals("0")) {
            return;
        }
        Path expected = mp.get().equals("yes") || mp.get().equals("1") ? root : Path.of(mp.get());
        String want = expected.toRealPath().toString();
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
            boolean mounted = lines.map(l -> l.split(" ")).filter(f -> f.length > 1)
                    .anyMatch(f -> f[1].replace("\\040", " ").equals(want));
            if (!mounted) {
                throw new StorageException("storage '" + section.id() + "': '" + want + "' is not mounted");
            }
        }
    }

    /**
     * Removes staging objects left by processes that no longer exist, in the content directories and the
     * per-guest image directories; reports each on {@code warnings}.
     */
    void cleanLeftovers(PrintStream warnings) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (ContentType t : ContentType.values()) {
            Path d = subdir(t);
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                dirs.add(d);
            }
        }
        Path images = subdir(ContentType.IMAGES);
        if (Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, p -> Files.isDirectory(p,
                    LinkOption.NOFOLLOW_LINKS))) {
                ds.forEach(dirs::add);
            }
        }
        for (Path d : dirs) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d, STAGING_PREFIX + "*")) {
                for (Path p : ds) {
                    Matcher m = STAGING.matcher(p.getFileName().toString());
                    if (m.matches() && !alive(Long.parseLong(m.group(1)))) {
                        deleteTree(p);
                        warnings.println("volport: removed '" + p + "', left by an interrupted import");
                    }
                }
            }
        }
    }

    private static boolean alive(long pid) {
        return pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive)
                .orElse(false);
    }

    /** Deletes a file, or a directory with all it holds, never following symlinks. */
    static void deleteTree(Path p) throws IOException {
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
}
