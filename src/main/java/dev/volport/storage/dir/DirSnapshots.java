package dev.volport.storage.dir;

import dev.volport.format.FormatException;
import dev.volport.format.qcow2.Qcow2Snapshots;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.Snapshots;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Snapshots of a {@code dir} storage: the internal snapshots of qcow2 images, written by
 * {@code format.qcow2.Qcow2Snapshots}. Raw, VMDK and subvolume volumes have none: listing them gives nothing, and
 * the writing operations refuse with the reference's words ({@code Plugin.pm volume_snapshot*}).
 *
 * <p>Every writing operation runs under the storage lock (so it never meets an allocation, free or import of the
 * same name half-done) and holds an exclusive lock on the image file itself, taken without waiting. Exports of a
 * qcow2 volume hold a shared lock on it for as long as they read ({@link DirStorage#exportVolume}), so a snapshot
 * operation on a volume being exported is refused ("in use") rather than changing the file under the reader; QEMU
 * keeps locks of its own on the images it has open, so a running guest's disk is refused the same way.
 *
 * <p>Rollback may go to any snapshot, not only the most recent one: qcow2 keeps every snapshot's tables apart, so
 * the later snapshots stay intact (the reference's {@code volume_rollback_is_possible} says yes for every file
 * storage; only zfspool limits it to the latest).
 */
final class DirSnapshots implements Snapshots {
    private final DirStorage storage;
    private final Supplier<Instant> clock;

    DirSnapshots(DirStorage storage) {
        this(storage, Instant::now);
    }

    DirSnapshots(DirStorage storage, Supplier<Instant> clock) {
        this.storage = storage;
        this.clock = clock;
    }

    @Override
    public List<String> list(VolumeName name) throws IOException {
        return storage.info(name).snapshots();
    }

    @Override
    public void create(VolumeName name, SnapshotName snapshot) throws IOException {
        Image image = image(name, "snapshot", "can't snapshot this image format");
        image.run("snapshot '" + snapshot.value() + "' of", s -> {
            if (s.list().stream().anyMatch(x -> x.name().equals(snapshot.value()))) {
                throw new StorageException("snapshot '" + snapshot.value() + "' of " + image.what
                        + ": a snapshot of that name exists already");
            }
            s.create(snapshot.value(), clock.get());
        });
    }

    @Override
    public void delete(VolumeName name, SnapshotName snapshot) throws IOException {
        Image image = image(name, "delete snapshot", "can't delete snapshot for this image format");
        image.run("delete snapshot '" + snapshot.value() + "' of", s -> {
            requireExisting(s, image, snapshot, "delete snapshot");
            s.delete(snapshot.value());
        });
    }

    @Override
    public void rollback(VolumeName name, SnapshotName snapshot) throws IOException {
        Image image = image(name, "rollback", "can't rollback snapshot this image format");
        image.run("rollback of", s -> {
            requireExisting(s, image, snapshot, "rollback");
            s.revert(snapshot.value());
        });
    }

    /** By name only: the format would also take a numeric id, which the command line never means. */
    private static void requireExisting(Qcow2Snapshots s, Image image, SnapshotName snapshot, String op)
            throws IOException {
        if (s.list().stream().noneMatch(x -> x.name().equals(snapshot.value()))) {
            throw new StorageException(op + " '" + snapshot.value() + "' of " + image.what
                    + ": no snapshot of that name");
        }
    }

    /**
     * The qcow2 image of {@code name}, after the checks that need no lock: a format with snapshots (else
     * {@code OP of VOLID: REFUSAL}), a storage that is online.
     */
    private Image image(VolumeName name, String op, String refusal) throws IOException {
        if (!(name instanceof DirVolumeName vol)) {
            throw new StorageException("volume '" + name.volname() + "' of storage '" + storage.section().id()
                    + "': not a name of storage type 'dir'");
        }
        String what = storage.id(vol.volname()).toString();
        if (vol.format() != DiskFormat.QCOW2) {
            throw new StorageException(op + " of " + what + ": " + refusal + " ('" + vol.format().id()
                    + "'; only qcow2 volumes have snapshots on storage type 'dir')");
        }
        storage.layout().requireOnline();
        return new Image(storage.layout().file(vol), what);
    }

    @FunctionalInterface
    private interface Operation {
        void apply(Qcow2Snapshots snapshots) throws IOException;
    }

    /** One qcow2 volume's file and the name its messages use. */
    private final class Image {
        final Path file;
        final String what;

        Image(Path file, String what) {
            this.file = file;
            this.what = what;
        }

        /** Runs {@code op} under the storage lock and the image's exclusive lock; {@code doing} starts errors. */
        void run(String doing, Operation op) throws IOException {
            Linux linux = storage.env().linux();
            try (StorageLock lock = StorageLock.acquire(linux, storage.layout().lockFile())) {
                if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                    throw new StorageException(doing + " " + what + " failed: volume does not exist (no file '"
                            + file + "')");
                }
                Optional<LinuxCalls.OfdLock> mine = linux.tryLock(file);
                if (mine.isEmpty()) {
                    throw new StorageException(doing + " " + what + " failed: the image is in use (being exported,"
                            + " or open in QEMU or another program)");
                }
                try (LinuxCalls.OfdLock held = mine.get();
                        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                                LinkOption.NOFOLLOW_LINKS)) {
                    op.apply(new Qcow2Snapshots(ch, what));
                } catch (FormatException e) {
                    throw new StorageException(doing + " " + what + " failed: " + e.getMessage(), e);
                }
            }
        }
    }
}
