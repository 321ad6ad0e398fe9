package dev.volport.storage;

import dev.volport.config.StorageSection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The {@code is_mountpoint} rule of the storage types that live below a path ({@code dir}, {@code btrfs}): when it
 * names a directory, that directory must be mounted before anything is read or written there, as the reference's
 * {@code activate_storage} demands. Moved here from {@code storage.dir} so both types share it.
 */
public final class MountPoints {
    private MountPoints() {
    }

    /**
     * Fails unless the storage's mount point, if it has one, is mounted. Creates nothing.
     *
     * @throws StorageException {@code unable to activate storage 'ID' - directory is expected to be a mount point
     *         but is not mounted: 'DIR'}, the reference's words
     */
    public static void requireOnline(StorageSection section) throws StorageException {
        Optional<Path> mp = section.mountPoint();
        if (mp.isPresent() && !mounted(mp.get())) {
            throw new StorageException("unable to activate storage '" + section.id() + "' - directory is expected"
                    + " to be a mount point but is not mounted: '" + mp.get() + "'");
        }
    }

    /**
     * Whether {@code dir} is the mount point of a mounted filesystem: its real path (symlinks resolved, as the
     * reference's {@code Cwd::realpath}) is the target of an entry in {@code /proc/self/mounts}. A directory that
     * does not exist is not mounted.
     */
    public static boolean mounted(Path dir) {
        String want;
        try {
            want = dir.toRealPath().toString();
        } catch (IOException e) {
            return false;
        }
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mounts"))) {
            return lines.map(l -> l.split(" ")).filter(f -> f.length > 1)
                    .anyMatch(f -> unescapeMountField(f[1]).equals(want));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /** {@code /proc/mounts} writes space, tab, newline and backslash in paths as {@code \040}, {@code \011}, …. */
    static String unescapeMountField(String field) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                sb.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
