package dev.volport.cli;

import dev.volport.VolportException;
import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo's working directory, and a clean-up that removes only what the demo made.
 *
 * <ul>
 *   <li>No {@code --dir}: a new directory in the system's temporary directory.</li>
 *   <li>{@code --dir DIR} that does not exist: DIR is created, and removed afterwards.</li>
 *   <li>{@code --dir DIR}, an empty directory: the demo works in it; afterwards DIR stays, empty again.</li>
 *   <li>{@code --dir DIR} that holds anything: the demo works in a new subdirectory {@code DIR/volport-demo-*}
 *       and says so; DIR's own entries are never touched.</li>
 * </ul>
 *
 * <p>{@link #clean} deletes the files the demo registered ({@link #own}) and the lock files the storages made, then
 * the directories that are left empty, deepest first. Anything else found (a file another process put there) is
 * kept, with the directories that hold it, and reported.
 */
final class DemoScratch {
    private static final String LOCK_FILE = ".volport.lock";
    private final Path dir;
    private final boolean created;
    /** The outermost directory created along with {@link #dir} ({@code --dir a/b/c} with no {@code a}: a). */
    private final Path createdTop;
    private final String note;
    private final List<Path> own = new ArrayList<>();
    private final List<Path> storages = new ArrayList<>();

    private DemoScratch(Path dir, boolean created, Path createdTop, String note) {
        this.dir = dir;
        this.created = created;
        this.createdTop = createdTop;
        this.note = note;
    }

    /**
     * Picks the working directory for {@code --dir option} (null: none given) and creates it where needed.
     *
     * @throws VolportException when {@code option} exists and is not a directory, or cannot be read or created
     */
    static DemoScratch prepare(Path given) throws IOException {
        if (given == null) {
            Path tempDir = Files.createTempDirectory("volport-demo-");
            return new DemoScratch(tempDir, true, tempDir, null);
        }
        Path option = given.toAbsolutePath(); // storage paths must be absolute
        if (Files.exists(option)) {
            // a symlink to a directory: work in (and clean up) the directory itself; a walk does not follow a
            // start path that is a link, so the demo's trees would otherwise be left behind
            option = option.toRealPath();
        }
        try {
            if (!Files.exists(option)) {
                Path top = option;
                while (top.getParent() != null && !Files.exists(top.getParent())) {
                    top = top.getParent();
                }
                Files.createDirectories(option);
                return new DemoScratch(option, true, top, null);
            }
            if (!Files.isDirectory(option)) {
                throw new VolportException("demo: --dir '" + option + "' exists and is not a directory");
            }
            try (Stream<Path> entries = Files.list(option)) {
                if (entries.findAny().isEmpty()) {
                    return new DemoScratch(option, false, null, null);
                }
            }
            Path sub = Files.createTempDirectory(option, "volport-demo-");
            return new DemoScratch(sub, true, sub, "'" + option + "' is not empty: the demo works in the new"
                    + " subdirectory '" + sub + "' and leaves everything else in '" + option + "' alone");
        } catch (VolportException e) {
            throw e;
        } catch (IOException e) {
            throw new VolportException("demo: cannot prepare --dir '" + option + "': " + OutputFile.reason(e), e);
        }
    }

    Path dir() {
        return dir;
    }

    /** Why the demo works where it does, when that is not plainly the directory given; null otherwise. */
    String note() {
        return note;
    }

    /** The path of a demo storage, {@code dir/name}; its lock file counts as the demo's own. */
    Path storage(String name) {
        Path root = dir.resolve(name);
        storages.add(root);
        return root;
    }

    /** Registers a file the demo created, for {@link #clean}. */
    Path own(Path file) {
        own.add(file);
        return file;
    }

    /**
     * Removes what the demo made below {@link #dir()}: registered files, the lock files of its storages, then
     * directories that are empty. The directory itself, and parents created with it, go only if the demo created
     * them.
     *
     * @return the files kept because the demo did not create them (empty when all is gone); the directories
     *         that hold them stay as well
     */
    List<Path> clean() throws IOException {
        for (Path f : own) {
            Files.deleteIfExists(f);
        }
        List<Path> kept = new ArrayList<>();
        List<Path> tree;
        try (Stream<Path> walk = Files.walk(dir)) {
            tree = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : tree) {
            if (p.equals(dir) && !created) {
                continue;
            }
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.delete(p);
                } catch (DirectoryNotEmptyException holdsForeignFiles) {
                    // kept with the foreign files found below it, which are reported
                } catch (NoSuchFileException gone) {
                    // removed meanwhile: nothing to do
                }
            } else if (p.getFileName().toString().equals(LOCK_FILE) && storages.contains(p.getParent())) {
                Files.deleteIfExists(p);
            } else {
                kept.add(p);
            }
        }
        if (created && kept.isEmpty()) {
            for (Path p = dir.getParent(); p != null && p.startsWith(createdTop); p = p.getParent()) {
                try {
                    Files.deleteIfExists(p);
                } catch (DirectoryNotEmptyException usedMeanwhile) {
                    break; // someone else put something there since the demo created it: keep it
                }
            }
        }
        return kept;
    }
}
