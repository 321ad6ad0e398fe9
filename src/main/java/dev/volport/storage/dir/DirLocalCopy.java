package dev.volport.storage.dir;

import dev.volport.format.StreamFormat;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.StagingObject;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A raw image copied between dir storages on one filesystem that shares blocks (btrfs, XFS with reflink) as a
 * clone of the file ({@code FICLONE}): nothing is read or written but metadata, holes stay holes, and both files
 * share every block until one side writes. Staged, flushed and committed as an import is (staging name, lock,
 * no-replace rename, directory flush); where the filesystem refuses the clone the staging file is removed and the
 * caller streams.
 *
 * <p>Only raw images: a qcow2 or VMDK file may name a backing file by a path relative to its own storage, which a
 * clone would carry to a place where it means something else.
 */
final class DirLocalCopy {
    /** Filesystems whose files can share blocks; others are not tried. */
    private static final Set<String> SHARING = Set.of("btrfs", "xfs");

    private final DirStorage target;

    DirLocalCopy(DirStorage target) {
        this.target = target;
    }

    Optional<VolumeId> copy(Storage source, VolumeName from, VolumeName to, TransferOptions o) throws IOException {
        if (!(source instanceof DirStorage src) || o.withSnapshots() || !o.snapshotList().isEmpty()
                || o.snapshot().isPresent() || o.base().isPresent()) {
            return Optional.empty();
        }
        DirVolumeName s = src.own(from);
        DirVolumeName t = target.own(to);
        if (s.format() != DiskFormat.RAW || t.format() != DiskFormat.RAW || s.ovaMember().isPresent()
                || !isGuestDisk(s) || !isGuestDisk(t)) {
            return Optional.empty();
        }
        src.layout().requireOnline();
        target.layout().requireOnline();
        Path file = src.layout().file(s);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty(); // a missing source is the stream's error to report, in its words
        }
        FileStore store;
        FileStore targetStore;
        try {
            store = Files.getFileStore(file);
            targetStore = Files.getFileStore(existing(target.layout().root()));
        } catch (IOException e) {
            return Optional.empty(); // no mount table entry (a chroot, a container): the stream copies instead
        }
        if (!SHARING.contains(store.type()) || !store.name().equals(targetStore.name())) {
            return Optional.empty();
        }
        ImportTarget imp = target.prepareImport(to, StreamFormat.RAW_SIZE, o);
        imp.checkAvailable();
        try (StagingObject staging = imp.stage(Files.size(file))) {
            if (!staging.cloneFrom(file)) {
                return Optional.empty();
            }
            staging.makeDurable();
            return Optional.of(staging.commit());
        }
    }

    /** {@code dir} or its nearest existing parent: a storage's directory may not exist before its first volume. */
    private static Path existing(Path dir) {
        Path p = dir.toAbsolutePath();
        while (p.getParent() != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            p = p.getParent();
        }
        return p;
    }

    private static boolean isGuestDisk(DirVolumeName v) {
        return v.type() == ContentType.IMAGES && v.base().isEmpty() && !v.isBase();
    }
}
