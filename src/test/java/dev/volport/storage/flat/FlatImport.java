package dev.volport.storage.flat;

import dev.volport.io.WritebackHint;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.StagingObject;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;

/**
 * An import into a {@code flat} storage: staging files {@code .flat-staging.TOKEN.NAME} in the folder, each locked
 * by its importer (an open file description lock); one whose lock is free is a crash leftover, removed under the
 * storage lock by the next import.
 */
final class FlatImport implements ImportTarget {
    private final FlatStorage storage;
    private final FlatVolumeName vol;
    private final TransferOptions opts;
    private final Linux linux;

    FlatImport(FlatStorage storage, FlatVolumeName vol, TransferOptions opts) {
        this.storage = storage;
        this.vol = vol;
        this.opts = opts;
        this.linux = storage.env().linux();
    }

    @Override
    public VolumeId requested() {
        return storage.id(vol);
    }

    @Override
    public Landing landing() {
        return new Landing(Landing.Kind.FILE, vol.format(), storage.codec(vol));
    }

    @Override
    public void checkAvailable() throws StorageException {
        if (!opts.allowRename() && Files.exists(storage.file(vol), LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("volume " + storage.id(vol) + " already exists");
        }
    }

    @Override
    public StagingObject stage(long declaredSize) throws IOException {
        Files.createDirectories(storage.root());
        try (StorageLock lock = StorageLock.acquire(linux, storage.lockFile())) {
            removeLeftovers();
            FlatVolumeName name = vol;
            for (int n = 1; taken(name); n++) {
                if (!opts.allowRename()) {
                    throw new StorageException("volume " + storage.id(vol) + " already exists");
                }
                name = vol.numbered(n);
            }
            Path staging = storage.root().resolve(FlatStorage.STAGING_PREFIX + UUID.randomUUID() + "."
                    + name.volname());
            return new FlatStaging(staging, linux.createLocked(staging), name);
        }
    }

    /** Whether a file or another import in progress has {@code name}. */
    private boolean taken(FlatVolumeName name) throws IOException {
        // Staging names first, then the final name: another import commits (renames its staging file to the final
        // name) without the storage lock, so in the other order a rename between the two looks would hide both.
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(storage.root(),
                FlatStorage.STAGING_PREFIX + "*." + name.volname())) {
            if (ds.iterator().hasNext()) {
                return true;
            }
        }
        return Files.exists(storage.file(name), LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes staging files whose lock is free: their importer is gone. Under the storage lock. */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(storage.root(), FlatStorage.STAGING_PREFIX + "*")) {
            for (Path p : ds) {
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                Optional<LinuxCalls.OfdLock> free = linux.tryLock(p);
                if (free.isPresent()) {
                    try (LinuxCalls.OfdLock l = free.get()) {
                        Files.deleteIfExists(p);
                        storage.env().warnings().println("volport: removed '" + p + "', left by an interrupted"
                                + " import");
                    }
                }
            }
        }
    }

    private final class FlatStaging implements StagingObject {
        private final Path path;
        private final LinuxCalls.OfdLock lock;
        private final FlatVolumeName name;
        private RandomAccessFile file;
        private boolean committed;
        private boolean closed;

        FlatStaging(Path path, LinuxCalls.OfdLock lock, FlatVolumeName name) {
            this.path = path;
            this.lock = lock;
            this.name = name;
        }

        @Override
        public String where() {
            return path.toString();
        }

        private synchronized RandomAccessFile file() throws IOException {
            if (closed) {
                throw new IOException("staging file '" + path + "' was discarded");
            }
            if (file == null) {
                file = new RandomAccessFile(path.toFile(), "rw");
            }
            return file;
        }

        @Override
        public FileChannel channel() throws IOException {
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
        public void makeDurable() throws IOException {
            file().getChannel().force(true);
        }

        @Override
        public synchronized VolumeId commit() throws IOException {
            try {
                linux.renameNoReplace(path, storage.file(name));
            } catch (LinuxCalls.SyscallException e) {
                if (e.errno() == LinuxCalls.EEXIST) {
                    throw new StorageException("volume " + storage.id(name) + " was created by another import");
                }
                throw e;
            }
            committed = true;
            linux.fsyncDirectory(storage.root());
            return storage.id(name);
        }

        @Override
        public synchronized void discard() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (file != null) {
                    file.close();
                }
                if (!committed) {
                    Files.deleteIfExists(path);
                }
            } finally {
                lock.close();
            }
        }
    }
}
