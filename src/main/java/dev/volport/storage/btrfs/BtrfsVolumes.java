package dev.volport.storage.btrfs;

import dev.volport.config.StorageSection;
import dev.volport.os.CommandRunner;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.MountPoints;
import dev.volport.storage.Staging;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.Warnings;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a {@code btrfs} storage keeps its volumes (reference §4.4): a raw disk {@code VMID/vm-VMID-disk-N.raw} is
 * the file {@code disk.raw} in the subvolume {@code images/VMID/vm-VMID-disk-N}, a container volume
 * {@code VMID/subvol-VMID-disk-N.subvol} is the subvolume {@code images/VMID/subvol-VMID-disk-N.subvol}, and a
 * snapshot {@code S} of either is the read-only sibling subvolume {@code NAME@S}. Also the storage's lock file,
 * its online check, and the subvolume-aware removal of staging trees and crash leftovers.
 */
final class BtrfsVolumes {
    static final String RAW_FILE = "disk.raw";
    private static final String LOCK_FILE = ".volport.lock";
    /** The first inode of every btrfs subvolume ({@code BTRFS_FIRST_FREE_OBJECTID}). */
    private static final long SUBVOLUME_INODE = 256;

    private final StorageSection section;
    private final Path root;
    private final CommandRunner runner;

    /** Staging directories as subvolumes; trees removed subvolume by subvolume. */
    final Staging.Trees subvolumeTrees = new Staging.Trees() {
        @Override
        public void create(Path dir) throws IOException {
            runner.run(BtrfsCommands.subvolumeCreate(dir));
        }

        @Override
        public void delete(Path tree) throws IOException {
            deleteTree(tree);
        }
    };

    /** Receive directories: plain directories; what {@code btrfs receive} made in them removed as subvolumes. */
    final Staging.Trees receiveTrees = new Staging.Trees() {
        @Override
        public void create(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void delete(Path tree) throws IOException {
            deleteTree(tree);
        }
    };

    BtrfsVolumes(StorageSection section, CommandRunner runner) throws StorageException {
        this.section = section;
        this.runner = runner;
        this.root = section.path().orElseThrow(
                () -> new StorageException("storage '" + section.id() + "' has no path"));
    }

    Path root() {
        return root;
    }

    Path lockFile() {
        return root.resolve(LOCK_FILE);
    }

    Path guestDir(int vmid) {
        return root.resolve(ContentType.IMAGES.subdir()).resolve(Integer.toString(vmid));
    }

    /** The subvolume's name: the file name without {@code .raw} for a raw disk, the file name for a subvol. */
    static String subvolumeName(DirVolumeName vol) {
        String f = vol.fileName();
        return vol.format() == DiskFormat.RAW ? f.substring(0, f.length() - ".raw".length()) : f;
    }

    /** The volume name a subvolume {@code name} in guest {@code vmid}'s directory stands for, if it is one. */
    static java.util.Optional<DirVolumeName> volumeOf(int vmid, String name) {
        if (name.startsWith(".") || name.contains("@")) {
            return java.util.Optional.empty();
        }
        String file = name.endsWith(".subvol") ? name : name + ".raw";
        try {
            DirVolumeName v = DirVolumeName.parse(vmid + "/" + file);
            return v.format() == DiskFormat.RAW || v.format() == DiskFormat.SUBVOL ? java.util.Optional.of(v)
                    : java.util.Optional.empty();
        } catch (VolumeNameException e) {
            return java.util.Optional.empty();
        }
    }

    Path subvolume(DirVolumeName vol) {
        return guestDir(vol.vmid().getAsInt()).resolve(subvolumeName(vol));
    }

    /** The file a raw volume's data is in, or the subvolume of a subvol volume. */
    Path file(DirVolumeName vol) {
        Path sv = subvolume(vol);
        return vol.format() == DiskFormat.RAW ? sv.resolve(RAW_FILE) : sv;
    }

    Path snapshot(DirVolumeName vol, SnapshotName snap) {
        return guestDir(vol.vmid().getAsInt()).resolve(subvolumeName(vol) + "@" + snap.value());
    }

    /** The volume's snapshots, oldest first (by creation time, then name): its {@code NAME@SNAP} siblings. */
    List<String> snapshots(DirVolumeName vol) throws IOException {
        Path dir = guestDir(vol.vmid().getAsInt());
        String prefix = subvolumeName(vol) + "@";
        record Snap(String name, java.nio.file.attribute.FileTime born) {
        }
        List<Snap> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(prefix) && n.substring(prefix.length()).matches("[A-Za-z0-9_\\-]{1,80}")
                        && isSubvolume(p)) {
                    out.add(new Snap(n.substring(prefix.length()), Files.readAttributes(p,
                            BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).creationTime()));
                }
            }
        }
        out.sort(Comparator.comparing(Snap::born).thenComparing(Snap::name));
        return out.stream().map(Snap::name).toList();
    }

    /** Whether {@code p} is the top directory of a subvolume (not a symlink, inode 256). */
    static boolean isSubvolume(Path p) {
        try {
            return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)
                    && ((Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)) == SUBVOLUME_INODE;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Fails unless the storage is online ({@code is_mountpoint}), its path exists, and it is on btrfs. */
    void requireOnline() throws StorageException {
        MountPoints.requireOnline(section);
        if (!Files.isDirectory(root)) {
            throw new StorageException("storage '" + section.id() + "': path '" + root + "' does not exist");
        }
        String type;
        try {
            type = Files.getFileStore(root).type();
        } catch (IOException e) {
            throw new StorageException("storage '" + section.id() + "': cannot read the filesystem of '" + root
                    + "': " + e.getMessage(), e);
        }
        if (!type.equals("btrfs")) {
            throw new StorageException("storage '" + section.id() + "': path '" + root + "' is on a " + type
                    + " filesystem, not btrfs");
        }
    }

    /** Whether {@link #requireOnline} would pass. */
    boolean online() {
        try {
            requireOnline();
            return true;
        } catch (StorageException e) {
            return false;
        }
    }

    /**
     * Removes {@code tree}: a subvolume with {@code btrfs subvolume delete} (read-only ones too), a directory by
     * first deleting the subvolumes directly in it, then the rest file by file. Nothing when it is gone.
     */
    void deleteTree(Path tree) throws IOException {
        if (!Files.exists(tree, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (isSubvolume(tree)) {
            runner.run(BtrfsCommands.subvolumeDelete(List.of(tree)));
            return;
        }
        if (Files.isDirectory(tree, LinkOption.NOFOLLOW_LINKS)) {
            List<Path> subvolumes = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tree)) {
                ds.forEach(p -> {
                    if (isSubvolume(p)) {
                        subvolumes.add(p);
                    }
                });
            }
            if (!subvolumes.isEmpty()) {
                runner.run(BtrfsCommands.subvolumeDelete(subvolumes));
            }
        }
        Staging.deleteTree(tree);
    }

    /**
     * Removes the staging objects in the guest directories whose importer is gone (its lock is free), as
     * {@code dir} does, reporting each. Call under the storage lock.
     */
    void cleanLeftovers(Linux linux, Warnings warnings) throws IOException {
        finishSwaps(linux, warnings);
        for (Path p : stagingEntries()) {
            boolean receive = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !isSubvolume(p);
            try {
                if (Staging.removeIfAbandoned(linux, p, receive ? receiveTrees : subvolumeTrees)) {
                    warnings.println("volport: removed '" + p + "', left by an interrupted import");
                }
            } catch (IOException e) {
                warnings.println("volport: cannot check whether '" + p + "' is left by an interrupted import: "
                        + e.getMessage());
            }
        }
    }

    /** {@link #cleanLeftovers} taking the storage lock, only when there is a staging name at all. */
    void cleanLeftoversLocking(Linux linux, Warnings warnings) throws IOException {
        if (stagingEntries().isEmpty() && swapEntries().isEmpty()) {
            return;
        }
        try (StorageLock lock = StorageLock.acquire(linux, lockFile())) {
            cleanLeftovers(linux, warnings);
        }
    }

    /**
     * Names a rollback ({@code .volport-rollback.T.NAME}: the new current state before it takes the name;
     * {@code .volport-rolledback.T.NAME}: the old one moved aside) or an incremental receive
     * ({@code .volport-replaced.T.NAME}: the old current state moved aside) gives a subvolume for the moment of a
     * swap. Both hold the storage lock from before the first name appears until the last is gone, so under that
     * lock any such name is left by a process that died in the middle.
     */
    private static final Pattern SWAP = Pattern.compile("^\\.volport-(rollback|rolledback|replaced)\\.[0-9a-f]+\\.(.+)$");

    /**
     * Finishes or undoes swaps interrupted by a kill ({@link #SWAP}), so that the volume is whole under its name
     * again: a rollback whose new state was ready takes effect; otherwise the state moved aside goes back; whatever
     * is then superseded is deleted. Each step is reported. Call under the storage lock.
     */
    void finishSwaps(Linux linux, Warnings warnings) throws IOException {
        for (Path p : swapEntries()) {
            Matcher m = SWAP.matcher(p.getFileName().toString());
            if (!m.matches() || !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Path sv = p.resolveSibling(m.group(2));
            try {
                if (Files.exists(sv, LinkOption.NOFOLLOW_LINKS)) {
                    deleteTree(p);
                    warnings.println("volport: removed '" + p + "', left by an interrupted "
                            + (m.group(1).equals("replaced") ? "import" : "rollback") + " of '" + sv + "'");
                } else {
                    linux.renameNoReplace(p, sv);
                    warnings.println("volport: '" + sv + "' was missing after an interrupted "
                            + (m.group(1).equals("replaced") ? "import; its previous state is back"
                            : m.group(1).equals("rollback") ? "rollback; the rollback is now complete"
                            : "rollback; its previous state is back"));
                }
            } catch (IOException e) {
                warnings.println("volport: cannot tidy '" + p + "' left by an interrupted operation: " + e.getMessage());
            }
        }
    }

    /** The {@link #SWAP} names in the guest directories, sorted (a rollback's new state before its old one). */
    private List<Path> swapEntries() throws IOException {
        List<Path> out = new ArrayList<>();
        Path images = root.resolve(ContentType.IMAGES.subdir());
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> guests = Files.newDirectoryStream(images, p -> p.getFileName().toString()
                .matches("\\d{1,9}") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            for (Path g : guests) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(g,
                        p -> SWAP.matcher(p.getFileName().toString()).matches())) {
                    ds.forEach(out::add);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    private List<Path> stagingEntries() throws IOException {
        List<Path> out = new ArrayList<>();
        Path images = root.resolve(ContentType.IMAGES.subdir());
        if (!Files.isDirectory(images, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (DirectoryStream<Path> guests = Files.newDirectoryStream(images, p -> p.getFileName().toString()
                .matches("\\d{1,9}") && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))) {
            for (Path g : guests) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(g, Staging::isStagingEntry)) {
                    ds.forEach(out::add);
                }
            }
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /** The names in guest directory {@code dir} a new volume may not take, as volume file names. */
    static List<String> takenNames(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return names;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String f = p.getFileName().toString();
                String name = Staging.finalName(f).orElse(f);
                int at = name.indexOf('@');
                names.add(at >= 0 ? name.substring(0, at) : name);
            }
        }
        return names;
    }
}
