package dev.volport.storage.btrfs;

import dev.volport.format.StreamFormat;
import dev.volport.io.WritebackHint;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.Staging;
import dev.volport.storage.StagingObject;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code raw+size} or {@code tar+size} import into a btrfs storage: the stream lands in a staging subvolume
 * {@code .volport-staging.TOKEN.NAME} beside the final one, locked through its lock file ({@link Staging}, the
 * same rule as {@code dir}), with {@code disk.raw} in it for a raw disk (NOCOW first when {@code nocow}); the commit
 * renames the subvolume into place without replacing anything. The transaction supplies the decoders.
 */
final class BtrfsImport implements ImportTarget {
    private final BtrfsStorage storage;
    private final DirVolumeName vol;
    private final TransferOptions opts;
    private final Landing landing;

    BtrfsImport(BtrfsStorage storage, DirVolumeName vol, StreamFormat format, TransferOptions opts) {
        this.storage = storage;
        this.vol = vol;
        this.opts = opts;
        this.landing = vol.format() == DiskFormat.SUBVOL ? Landing.tree() : Landing.rawFile();
    }

    @Override
    public VolumeId requested() {
        return storage.id(vol);
    }

    @Override
    public Landing landing() {
        return landing;
    }

    @Override
    public void checkAvailable() throws IOException {
        storage.volumes().requireOnline();
        if (!opts.allowRename() && Files.exists(storage.volumes().subvolume(vol))) {
            throw new StorageException("volume " + storage.id(vol) + " already exists ('"
                    + storage.volumes().subvolume(vol) + "')");
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
            DirVolumeName target = chooseName(storage, vol, opts.allowRename(), dir);
            Staging staging = Staging.createDirectory(linux, dir, BtrfsVolumes.subvolumeName(target),
                    volumes.subvolumeTrees);
            try {
                return new SubvolumeStaging(staging, target);
            } catch (IOException | RuntimeException e) {
                staging.close();
                throw e;
            }
        }
    }

    /**
     * The volume an import commits to, chosen under the storage lock: the requested one when neither a subvolume
     * nor an import in progress has its name, else with {@code allowRename} the next free {@code vm-VMID-disk-N}.
     */
    static DirVolumeName chooseName(BtrfsStorage storage, DirVolumeName vol, boolean allowRename, Path dir)
            throws IOException {
        List<String> taken = BtrfsVolumes.takenNames(dir);
        if (!taken.contains(BtrfsVolumes.subvolumeName(vol))) {
            return vol;
        }
        String why = "volume " + storage.id(vol) + " already exists or is being imported";
        if (!allowRename) {
            throw new StorageException(why);
        }
        storage.env().warnings().println("volport: " + why + " - importing with a different name");
        int vmid = vol.vmid().getAsInt();
        String file = DiskNames.nextFree(storage.section().id(), vmid, vol.format(), taken);
        return storage.parseName(vmid + "/" + file);
    }

    /** The staging subvolume as the transaction sees it: {@code disk.raw} in it, or the subvolume as a tree. */
    private final class SubvolumeStaging implements StagingObject {
        private final Staging staging;
        private final DirVolumeName target;
        private RandomAccessFile file;

        SubvolumeStaging(Staging staging, DirVolumeName target) throws IOException {
            this.staging = staging;
            this.target = target;
            if (landing.kind() == Landing.Kind.FILE) {
                Path f = staging.path().resolve(BtrfsVolumes.RAW_FILE);
                Files.createFile(f);
                if (storage.noCow()) {
                    storage.runner().run(BtrfsCommands.noCow(f));
                }
            }
        }

        @Override
        public String where() {
            return staging.path().toString();
        }

        private synchronized RandomAccessFile file() throws IOException {
            if (file == null) {
                file = new RandomAccessFile(staging.path().resolve(BtrfsVolumes.RAW_FILE).toFile(), "rw");
            }
            return file;
        }

        @Override
        public FileChannel channel() throws IOException {
            if (landing.kind() != Landing.Kind.FILE) {
                throw new IllegalStateException("the staging object " + where() + " is not a file");
            }
            return file().getChannel();
        }

        @Override
        public void setLength(long length) throws IOException {
            file().setLength(length);
        }

        @Override
        public WritebackHint writeback() {
            return WritebackHint.NONE;
        }

        @Override
        public Path directory() {
            if (landing.kind() != Landing.Kind.TREE) {
                throw new IllegalStateException("the staging object " + where() + " is not a directory");
            }
            return staging.path();
        }

        @Override
        public void makeDurable() throws IOException {
            if (landing.kind() == Landing.Kind.FILE) {
                file().getChannel().force(true);
                closeFile();
            } else {
                storage.linux().syncfs(staging.path());
            }
        }

        private synchronized void closeFile() throws IOException {
            if (file != null) {
                file.close();
                file = null;
            }
        }

        @Override
        public VolumeId commit() throws IOException {
            Path finalPath = storage.volumes().subvolume(target);
            try {
                staging.commit(storage.linux(), finalPath);
            } catch (LinuxCalls.SyscallException e) {
                if (e.errno() == LinuxCalls.EEXIST) {
                    throw new StorageException("volume " + storage.id(target) + " already exists (created by"
                            + " another import while this one ran)");
                }
                throw e;
            }
            Staging.flushCommitted(storage.linux(), finalPath.getParent(), storage.id(target).toString());
            return storage.id(target);
        }

        @Override
        public void discard() throws IOException {
            try {
                closeFile();
            } finally {
                staging.close();
            }
        }
    }
}
