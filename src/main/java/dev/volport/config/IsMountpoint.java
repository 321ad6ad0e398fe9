package dev.volport.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code is_mountpoint} property of a {@code dir} or {@code btrfs} storage ({@code pve-storage.md} §4.2;
 * {@code DirPlugin.pm parse_is_mountpoint}): whether the storage is an externally managed mount, and if so which
 * directory must be mounted for the storage to be online. The reference reads the value as a boolean first
 * ({@code 1|on|yes|true} and {@code 0|off|no|false}, case-insensitive) and otherwise as a path; so does
 * {@link #parse}, the one place that reads the text.
 */
public sealed interface IsMountpoint {
    /** Not a mount point (the default): the storage is online whenever its path exists. */
    IsMountpoint NO = new No();
    /** The storage's own {@code path} must be a mount point. */
    IsMountpoint YES = new Yes();

    /** {@code is_mountpoint no} (or absent). */
    record No() implements IsMountpoint {
    }

    /** {@code is_mountpoint yes}: the storage path itself. */
    record Yes() implements IsMountpoint {
    }

    /** {@code is_mountpoint /mnt/x}: this directory (usually a parent of the storage path) must be mounted. */
    record At(Path path) implements IsMountpoint {
        public At {
            Objects.requireNonNull(path, "path");
            if (!path.isAbsolute()) {
                throw new IllegalArgumentException("mount point must be absolute: " + path);
            }
        }
    }

    /**
     * The value of {@code text}: a boolean word as the reference's {@code parse_boolean} knows them, else an
     * absolute path without {@code .}/{@code ..} components (normalized, no trailing slash); empty when it is
     * neither.
     */
    static Optional<IsMountpoint> parse(String text) {
        Optional<Boolean> flag = PropertySchema.parseBoolean(text);
        if (flag.isPresent()) {
            return Optional.of(flag.get() ? YES : NO);
        }
        return Optional.ofNullable(PropertySchema.absolutePath(text)).map(p -> new At(Path.of(p)));
    }

    /** The directory that must be a mount point for a storage at {@code storagePath}; empty for {@link No}. */
    default Optional<Path> mountPoint(Path storagePath) {
        return switch (this) {
            case No n -> Optional.empty();
            case Yes y -> Optional.of(storagePath);
            case At a -> Optional.of(a.path());
        };
    }
}
