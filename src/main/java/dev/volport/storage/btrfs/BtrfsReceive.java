package dev.volport.storage.btrfs;

import dev.volport.os.BtrfsCalls;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.RunningCommand;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.Staging;
import dev.volport.storage.StagingObject;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code btrfs} import (reference §1.2, {@code BTRFSPlugin.pm volume_import}, with its rename bug fixed): the
 * stream goes into {@code btrfs -q receive -e} in a private staging directory {@code .volport-staging.TOKEN.NAME}
 * in the guest's directory, locked through its lock file as every staging object ({@link Staging}); then what
 * arrived is checked (only read-only snapshots {@code DISK@SNAP} of one disk of the volume's kind, the requested
 * snapshot among them, nothing else), and the commit moves the snapshots into place without replacing anything
 * ({@code renameat2(RENAME_NOREPLACE)}; a read-only subvolume moves to another directory only while writable, as
 * in the reference, and volport then gives it back the received UUID that making it writable cleared, so that later
 * incremental streams find their parent on this storage) and recreates the writable current state from the
 * requested snapshot. Any failure removes what was received and what was moved. With {@code --allow-rename} the
 * volume is received under the next free name, which the reference computes and never uses.
 */
final class BtrfsReceive implements ImportTarget {
    /** The reference's {@code $BTRFS_SNAPSHOT_REGEX}, with the snapshot part held to volport's snapshot names. */
    private static final Pattern RECEIVED =
            Pattern.compile("^((?:vm|base|subvol)-\\d+-disk-\\d+(?:\\.subvol)?)@([A-Za-z0-9_\\-]{1,80})$");

    private final BtrfsStorage storage;
    private final DirVolumeName vol;
    private final TransferOptions opts;
    private final SnapshotName snapshot;

    BtrfsReceive(BtrfsStorage storage, DirVolumeName vol, TransferOptions opts) throws StorageException {
        this.storage = storage;
        this.vol = vol;
        this.opts = opts;
        this.snapshot = opts.snapshot().orElseThrow(() -> new StorageException("import of " + storage.id(vol)
                + ": format 'btrfs' only works on snapshots (--snapshot)"));
    }

    @Override
    public VolumeId requested() {
        return storage.id(vol);
    }

    @Override
    public Landing landing() {
        return new Landing(Landing.Kind.SINK, vol.format(), Optional.empty());
    }

    @Override
    public void checkAvailable() throws IOException {
        BtrfsVolumes volumes = storage.volumes();
        volumes.requireOnline();
        if (opts.base().isPresent()) {
            Path base = volumes.snapshot(vol, opts.base().get());
            if (!BtrfsVolumes.isSubvolume(base)) {
                throw new StorageException("import of " + storage.id(vol) + ": base snapshot '"
                        + opts.base().get().value() + "' doesn't exist (no subvolume '" + base + "')");
            }
        } else if (!opts.allowRename() && Files.exists(volumes.subvolume(vol), LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("volume " + storage.id(vol) + " already exists ('" + volumes.subvolume(vol)
                    + "')");
        }
    }

    @Override
    public StagingObject stage(long declaredSize) throws IOException {
        BtrfsVolumes volumes = storage.volumes();
        Linux linux = storage.linux();
        Path dir = volumes.guestDir(vol.vmid().getAsInt());
        try (StorageLock lock = StorageLock.acquire(linux, volumes.lockFile())) {
            volumes.cleanLeftovers(linux, storage.env().warnings());
            Files.createDirectories(dir);
            DirVolumeName target = opts.base().isPresent() ? vol
                    : BtrfsImport.chooseName(storage, vol, opts.allowRename(), dir);
            Staging staging = Staging.createDirectory(linux, dir, BtrfsVolumes.subvolumeName(target),
                    volumes.receiveTrees);
            try {
                return new ReceiveStaging(staging, target,
                        storage.runner().start(BtrfsCommands.receive(staging.path())));
            } catch (IOException | RuntimeException e) {
                staging.close();
                throw e;
            }
        }
    }

    /** A received snapshot: its disk name in the stream, its snapshot name, when it was made here. */
    private record Received(String disk, String snap, FileTime born) {
    }

    private final class ReceiveStaging implements StagingObject {
        private final Staging staging;
        private final DirVolumeName target;
        private final RunningCommand receive;
        private WritableByteChannel sink;
        private List<Received> received = List.of();

        ReceiveStaging(Staging staging, DirVolumeName target, RunningCommand receive) {
            this.staging = staging;
            this.target = target;
            this.receive = receive;
        }

        @Override
        public String where() {
            return staging.path().toString();
        }

        @Override
        public synchronized WritableByteChannel sink() {
            if (sink == null) {
                sink = receive.stdinChannel();
            }
            return sink;
        }

        /** Ends the stream, waits for {@code btrfs receive}, checks what arrived, flushes it. */
        @Override
        public void makeDurable() throws IOException {
            sink().close();
            receive.await();
            received = validate();
            storage.linux().syncfs(staging.path());
        }

        private List<Received> validate() throws IOException {
            List<Received> out = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(staging.path())) {
                for (Path p : ds) {
                    String n = p.getFileName().toString();
                    Matcher m = RECEIVED.matcher(n);
                    if (!m.matches() || !BtrfsVolumes.isSubvolume(p)) {
                        throw new StorageException("the btrfs stream holds '" + n + "', which is not a snapshot"
                                + " of a disk (DISK@SNAPSHOT)");
                    }
                    out.add(new Received(m.group(1), m.group(2), Files.readAttributes(p, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS).creationTime()));
                }
            }
            if (out.isEmpty()) {
                throw new StorageException("the btrfs stream holds no subvolume");
            }
            String disk = out.getFirst().disk();
            for (Received r : out) {
                if (!r.disk().equals(disk)) {
                    throw new StorageException("the btrfs stream holds snapshots of two disks, '" + disk + "' and '"
                            + r.disk() + "'");
                }
            }
            boolean subvol = disk.endsWith(".subvol");
            if (subvol != (vol.format() == DiskFormat.SUBVOL)) {
                throw new StorageException("the btrfs stream holds " + (subvol ? "a container subvolume" : "a raw disk")
                        + " ('" + disk + "'), not " + (subvol ? "a raw disk" : "a container subvolume"));
            }
            if (out.stream().noneMatch(r -> r.snap().equals(snapshot.value()))) {
                throw new StorageException("the btrfs stream does not hold the snapshot '" + snapshot.value()
                        + "' (it holds " + out.stream().map(r -> "'" + r.snap() + "'").toList() + ")");
            }
            if (!subvol) {
                for (Received r : out) {
                    Path f = staging.path().resolve(r.disk() + "@" + r.snap()).resolve(BtrfsVolumes.RAW_FILE);
                    if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        throw new StorageException("the received snapshot '" + r.disk() + "@" + r.snap()
                                + "' holds no regular file '" + BtrfsVolumes.RAW_FILE + "'");
                    }
                }
            }
            out.sort(Comparator.comparing(Received::born).thenComparing(Received::snap));
            return out;
        }

        @Override
        public VolumeId commit() throws IOException {
            BtrfsVolumes volumes = storage.volumes();
            Path sv = volumes.subvolume(target);
            List<Path> moved = new ArrayList<>();
            try (StorageLock lock = StorageLock.acquire(storage.linux(), volumes.lockFile())) {
                try {
                    for (Received r : received) {
                        Path from = staging.path().resolve(r.disk() + "@" + r.snap());
                        Path to = volumes.snapshot(target, new SnapshotName(r.snap()));
                        BtrfsCalls.Received identity = storage.btrfsCalls().received(from);
                        storage.runner().run(BtrfsCommands.setReadOnly(from, false));
                        try {
                            storage.linux().renameNoReplace(from, to);
                        } catch (LinuxCalls.SyscallException e) {
                            if (e.errno() == LinuxCalls.EEXIST) {
                                throw new StorageException("snapshot '" + r.snap() + "' of " + storage.id(target)
                                        + " already exists ('" + to + "')");
                            }
                            throw e;
                        }
                        moved.add(to);
                        if (identity.present()) {
                            storage.btrfsCalls().setReceived(to, identity);
                        }
                        storage.runner().run(BtrfsCommands.setReadOnly(to, true));
                    }
                    currentState(volumes, sv);
                } catch (IOException | RuntimeException e) {
                    for (Path p : moved) {
                        volumes.deleteTree(p);
                    }
                    throw e;
                }
                Staging.flushCommitted(storage.linux(), sv.getParent(), storage.id(target).toString());
            }
            return storage.id(target);
        }

        /**
         * The writable subvolume, a writable snapshot of the requested snapshot: new for a full stream; for an
         * incremental one the old current state is moved aside, replaced, then deleted (as a receiving replica's
         * current state follows its source).
         */
        private void currentState(BtrfsVolumes volumes, Path sv) throws IOException {
            Path from = volumes.snapshot(target, snapshot);
            if (opts.base().isEmpty()) {
                if (Files.exists(sv, LinkOption.NOFOLLOW_LINKS)) {
                    throw new StorageException("volume " + storage.id(target) + " already exists ('" + sv + "')");
                }
                storage.runner().run(BtrfsCommands.snapshot(from, sv, false));
                return;
            }
            Path old = sv.resolveSibling(".volport-replaced." + Long.toHexString(System.nanoTime()) + "."
                    + sv.getFileName());
            storage.linux().renameNoReplace(sv, old);
            try {
                storage.runner().run(BtrfsCommands.snapshot(from, sv, false));
            } catch (IOException | RuntimeException e) {
                storage.linux().renameNoReplace(old, sv);
                throw e;
            }
            volumes.deleteTree(old);
        }

        @Override
        public void discard() throws IOException {
            try {
                receive.close();
            } finally {
                staging.close();
            }
        }
    }
}
