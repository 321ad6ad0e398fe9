package dev.volport.storage.zfs;

import static dev.volport.config.PropertyKind.BLOCKSIZE;
import static dev.volport.config.PropertyKind.BOOLEAN;
import static dev.volport.config.PropertyKind.BWLIMIT;
import static dev.volport.config.PropertyKind.CONTENT;
import static dev.volport.config.PropertyKind.MOUNTPOINT;
import static dev.volport.config.PropertyKind.NODES;
import static dev.volport.config.PropertyKind.POOL;

import dev.volport.config.SectionType;
import dev.volport.config.StorageSection;
import dev.volport.os.CommandRunner;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageType;
import dev.volport.volume.ContentType;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * The {@code zfspool} storage type (reference {@code ZFSPoolPlugin.pm}; {@code pve-storage.md} §1.1-§1.2, §4.3):
 * sections take {@code pool} (required), {@code blocksize}, {@code sparse}, {@code mountpoint}, {@code content}
 * (images and rootdir, never {@code none}), {@code shared}, {@code nodes}, {@code disable}, {@code bwlimit}. Storages
 * run {@code zfs} through the {@link CommandRunner} given here and keep their locks under a directory on this host
 * ({@link ZfsLocks}).
 */
public final class ZfsPoolStorageType implements StorageType {
    public static final SectionType SECTION = new SectionType("zfspool", SectionType.properties(
            "pool", POOL, "content", CONTENT, "blocksize", BLOCKSIZE, "sparse", BOOLEAN, "mountpoint", MOUNTPOINT,
            "shared", BOOLEAN, "nodes", NODES, "disable", BOOLEAN, "bwlimit", BWLIMIT),
            "pool", EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR), false, List.of());

    private final CommandRunner runner;
    private final Path lockRoot;
    private final Path zvolRoot;

    /** Runs the real {@code zfs}; locks under {@code /run/volport/zfs}; zvol devices under {@code /dev/zvol}. */
    public ZfsPoolStorageType() {
        this(new ProcessCommandRunner(), ZfsLocks.DEFAULT_DIR);
    }

    /** Runs {@code zfs} through {@code runner} (a recording fake in tests); locks under {@code lockRoot}. */
    public ZfsPoolStorageType(CommandRunner runner, Path lockRoot) {
        this(runner, lockRoot, Path.of("/dev/zvol"));
    }

    /** As above, with zvol devices under {@code zvolRoot} ({@code ZVOLROOT/POOL/NAME}; tests use plain files). */
    public ZfsPoolStorageType(CommandRunner runner, Path lockRoot, Path zvolRoot) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.lockRoot = Objects.requireNonNull(lockRoot, "lockRoot");
        this.zvolRoot = Objects.requireNonNull(zvolRoot, "zvolRoot");
    }

    @Override
    public SectionType section() {
        return SECTION;
    }

    @Override
    public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
        String pool = section.pool().orElseThrow(() -> new StorageException("storage '" + section.id()
                + "': property 'pool' is missing"));
        ZfsTool zfs = new ZfsTool(runner, new ZfsCommands(pool));
        return new ZfsPoolStorage(section, env, zfs, new ZfsLocks(env.linux(), lockRoot, pool, section.shared()),
                zvolRoot);
    }
}
