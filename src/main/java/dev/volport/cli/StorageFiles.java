package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.storage.Storage;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps an export out of the storages: FILE may be neither the exported volume's own file (by path, or by inode
 * through a hard link or bind mount) nor any path below a configured storage's {@code path}, whether that storage
 * is enabled or not. Paths are compared after resolving symlinks, so a link into a storage is caught as well.
 */
final class StorageFiles {
    private StorageFiles() {
    }

    /**
     * @throws VolportException naming FILE and the storage when FILE is refused; nothing has been opened then
     */
    static void refuse(OutputFile.Target target, VolumeName volume, Storage storage, StorageConfig config,
            String what) throws VolportException {
        Path out = target.path();
        Path own = storage.path(volume);
        if (out.equals(real(own)) || (target.kind() != OutputFile.Kind.NEW && sameFile(out, own))) {
            throw new VolportException(what + ": refusing to write into '" + out + "', the volume's own file");
        }
        Path where = real(out); // a descriptor's file (/proc/self/fd/N) by the path it has now
        String noun = target.kind() == OutputFile.Kind.NEW ? "path" : "file";
        for (StorageSection s : config.sections()) {
            Optional<Path> root = s.path();
            if (root.isEmpty()) {
                continue;
            }
            Path r = real(root.get());
            // by path, and by identity of the directories on the way up: a bind mount of a storage (or of a
            // directory in it) has another path but the same device and inode
            if (where.startsWith(r) || below(where, fileKey(r))) {
                throw new VolportException(what + ": refusing to write into '" + where + "', a " + noun
                        + " of storage '" + s.id() + "'");
            }
        }
    }

    /** Whether a directory above {@code p} (or {@code p} itself) has the identity {@code rootKey}. */
    private static boolean below(Path p, Object rootKey) {
        if (rootKey == null) {
            return false;
        }
        for (Path q = p; q != null; q = q.getParent()) {
            if (rootKey.equals(fileKey(q))) {
                return true;
            }
        }
        return false;
    }

    /** Device and inode of an existing file, following links; null when it cannot be read. */
    private static Object fileKey(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException unreadable) {
            return null;
        }
    }

    /** The real path where it exists, else the absolute, normalized one (a storage not created yet). */
    private static Path real(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException notThere) {
            return p.toAbsolutePath().normalize();
        }
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            Object ka = Files.readAttributes(a, BasicFileAttributes.class).fileKey();
            Object kb = Files.readAttributes(b, BasicFileAttributes.class).fileKey();
            return ka != null && Objects.equals(ka, kb);
        } catch (IOException unreadable) {
            return false; // the volume's file was read a moment ago; one that vanished since is not FILE
        }
    }
}
