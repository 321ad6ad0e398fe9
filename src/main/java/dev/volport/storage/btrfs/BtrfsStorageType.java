package dev.volport.storage.btrfs;

import static dev.volport.config.PropertyKind.BOOLEAN;
import static dev.volport.config.PropertyKind.BWLIMIT;
import static dev.volport.config.PropertyKind.CONTENT;
import static dev.volport.config.PropertyKind.FORMAT;
import static dev.volport.config.PropertyKind.IS_MOUNTPOINT;
import static dev.volport.config.PropertyKind.MAX_PROTECTED;
import static dev.volport.config.PropertyKind.NODES;
import static dev.volport.config.PropertyKind.PATH;
import static dev.volport.config.PropertyKind.PREALLOCATION;
import static dev.volport.config.PropertyKind.PRUNE_BACKUPS;

import dev.volport.config.SectionType;
import dev.volport.config.StorageSection;
import dev.volport.os.CommandRunner;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageType;
import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * The {@code btrfs} storage type (reference {@code BTRFSPlugin.pm}): a directory storage on a btrfs filesystem,
 * dir's properties without {@code content-dirs}, plus {@code nocow}; formats raw and subvol. Its tools run through
 * the {@link CommandRunner} it is given ({@link ProcessCommandRunner} by default).
 */
public final class BtrfsStorageType implements StorageType {
    public static final SectionType SECTION = new SectionType("btrfs", SectionType.properties(
            "path", PATH, "content", CONTENT, "nocow", BOOLEAN, "shared", BOOLEAN, "format", FORMAT,
            "preallocation", PREALLOCATION, "nodes", NODES,
            "disable", BOOLEAN, "bwlimit", BWLIMIT, "is_mountpoint", IS_MOUNTPOINT, "mkdir", BOOLEAN,
            "create-base-path", BOOLEAN, "create-subdirs", BOOLEAN, "prune-backups", PRUNE_BACKUPS,
            "max-protected-backups", MAX_PROTECTED),
            "path", EnumSet.allOf(ContentType.class), true, List.of(DiskFormat.RAW, DiskFormat.SUBVOL));

    private final CommandRunner runner;
    private final Optional<StorageType> files;

    /** Runs {@code btrfs} and {@code chattr} as processes; serves guest volumes only. */
    public BtrfsStorageType() {
        this(new ProcessCommandRunner());
    }

    /** Runs the tools through {@code runner} (a recording fake in unit tests); serves guest volumes only. */
    public BtrfsStorageType(CommandRunner runner) {
        this(runner, Optional.empty());
    }

    /**
     * Runs the tools through {@code runner}; the storage's other content types (ISOs, templates, backups, snippets,
     * import files) are plain files served by a storage of type {@code files} (the composition root passes the
     * {@code dir} type) over the same section, as the reference's btrfs plugin inherits them from its dir plugin.
     */
    public BtrfsStorageType(CommandRunner runner, Optional<StorageType> files) {
        this.runner = java.util.Objects.requireNonNull(runner, "runner");
        this.files = java.util.Objects.requireNonNull(files, "files");
    }

    @Override
    public SectionType section() {
        return SECTION;
    }

    @Override
    public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
        return new BtrfsStorage(section, env, runner, files);
    }
}
