package dev.volport.storage.dir;

import dev.volport.format.StreamFormat;
import dev.volport.io.DirectOutput;
import dev.volport.io.WritebackHint;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.storage.DirectWrites;
import dev.volport.storage.ImageCodec;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.StagingObject;
import dev.volport.storage.Staging;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageLock;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskNames;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;

/**
 * A {@code dir} storage's side of an import ({@code transfer.ImportTransaction} runs it): the checks of the name
 * against the storage, the landing (a raw file, a qcow2/VMDK file with its codec, or a directory for a subvolume),
 * and staging objects named {@code .volport-staging.TOKEN.FINALNAME} beside the final name ({@link Staging}).
 */
final class DirImport implements ImportTarget {
    private final DirStorage storage;
    private final DirVolumeName vol;
    private final TransferOptions opts;
    private final Linux linux;
    private final Path target;
    private final Landing landing;

    /**
     * Validates the request without reading a byte or writing anything.
     *
     * @throws StorageException for a content type that cannot be imported, a linked clone's name, a content type
     *         the storage does not hold, or a non-raw stream into a non-image volume
     */
    DirImport(DirStorage storage, DirVolumeName vol, StreamFormat format, TransferOptions opts)
            throws StorageException {
        this.storage = storage;
        this.vol = vol;
        this.opts = opts;
        this.linux = storage.env().linux();
        this.target = storage.layout().file(vol);
        boolean images = vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR;
        if (!images && !EnumSet.of(ContentType.ISO, ContentType.VZTMPL, ContentType.SNIPPETS, ContentType.IMPORT)
                .contains(vol.type())) {
            throw new StorageException("importing volume of type '" + vol.type().id() + "' not implemented");
        }
        String what = "import of " + storage.id(vol);
        if (vol.base().isPresent()) {
            // the reference imports it as VMID/NAME and drops the base from the name it reports; refuse instead
            throw new StorageException(what + " refused: the name is a linked clone of '" + vol.base().get().vmid()
                    + "/" + vol.base().get().fileName() + "', and an import makes a volume of its own; import it as '"
                    + storage.id(vol.vmid().getAsInt() + "/" + vol.fileName()) + "'");
        }
        storage.requireContent(vol.type(), vol.format(), what);
        if (!images && format != StreamFormat.RAW_SIZE) {
            throw new StorageException("cannot import format " + format + " into a " + vol.type().id() + " volume");
        }
        Optional<ImageCodec> codec = storage.codec(vol.format(), target);
        this.landing = switch (vol.format()) {
            case SUBVOL -> Landing.tree();
            default -> new Landing(Landing.Kind.FILE, vol.format(), codec);
        };
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
    public void checkAvailable() throws StorageException {
        storage.layout().requireOnline();
        if (!renameAllowed() && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new StorageException("file '" + target + "' already exists");
        }
    }

    /** {@code --allow-rename} applies to guest volumes only, as in the reference. */
    private boolean renameAllowed() {
        return opts.allowRename() && (vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR);
    }

    @Override
    public StagingObject stage(long declaredSize) throws IOException {
        DirLayout layout = storage.layout();
        layout.activate();
        Path dir = target.getParent();
        boolean createdDir = false;
        try (StorageLock lock = StorageLock.acquire(linux, layout.lockFile())) {
            layout.cleanLeftovers(linux, storage.env().warnings());
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                createdDir = true;
            }
            try {
                String name = chooseName(dir);
                Staging staging = landing.kind() == Landing.Kind.TREE ? Staging.createDirectory(linux, dir, name)
                        : Staging.createFile(linux, dir, name);
                return new DirStaging(staging, dir.resolve(name), createdDir);
            } catch (IOException | RuntimeException e) {
                if (createdDir) {
                    DirStorage.removeIfEmpty(dir);
                }
                throw e;
            }
        }
    }

    /**
     * The file name this import will commit to, decided under the storage lock: the requested one when no file and
     * no other import in progress has it, else (with {@code --allow-rename}) the next free
     * {@code vm-VMID-disk-N}, counting files and other imports' staging names alike.
     *
     * @throws StorageException {@code file 'PATH' already exists} without {@code --allow-rename}
     */
    private String chooseName(Path dir) throws IOException {
        List<String> taken = DirLayout.takenNames(dir);
        if (!taken.contains(vol.fileName())) {
            return vol.fileName();
        }
        boolean exists = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        String why = exists ? "file '" + target + "' already exists"
                : "file '" + target + "' is being imported by another process";
        if (!renameAllowed()) {
            throw new StorageException(exists ? why : why + " (its name is taken)");
        }
        storage.env().warnings().println("volport: " + why + " - importing with a different name");
        return DiskNames.nextFree(storage.section().id(), vol.vmid().getAsInt(), vol.format(), taken);
    }

    /** A {@link Staging} object as the transaction sees it: a file (opened on first use) or a directory. */
    private final class DirStaging implements StagingObject {
        private final Staging staging;
        private final Path finalPath;
        private final boolean createdDir;
        private FileChannel file;
        private LinuxCalls.Writeback writeback;
        /** Opened on first use for a raw image on a filesystem that takes it; null before and after. */
        private Optional<DirectOutput> direct;
        private boolean committed;
        /** Set by {@link #discard}, possibly from the signal handler's thread while the writer still runs. */
        private boolean discarded;

        DirStaging(Staging staging, Path finalPath, boolean createdDir) {
            this.staging = staging;
            this.finalPath = finalPath;
            this.createdDir = createdDir;
        }

        @Override
        public String where() {
            return staging.path().toString();
        }

        /**
         * The staging file, opened on first use. Once discarded it is never opened again: "rw" would create it anew,
         * unlocked, behind the back of the cleanup that just removed it (a writer thread that still runs after a
         * SIGTERM calls this for its writeback hints). Opened through the Linux seam so that every write and flush
         * passes it.
         */
        private synchronized FileChannel file() throws IOException {
            if (discarded) {
                throw new StorageException("import into " + storage.id(vol.volname()) + " was cancelled");
            }
            if (file == null) {
                file = linux.openReadWrite(staging.path());
                try {
                    writeback = linux.writeback(staging.path());
                } catch (IOException | RuntimeException e) {
                    file.close();
                    file = null;
                    throw e;
                }
            }
            return file;
        }

        @Override
        public FileChannel channel() throws IOException {
            return file();
        }

        /**
         * Synchronized with {@link #discard}: the length is set by path, and a discard between the check in
         * {@link #file} and the call would let the call work on a name that was just removed.
         */
        @Override
        public synchronized void setLength(long length) throws IOException {
            file();
            linux.setLength(staging.path(), length);
        }

        @Override
        public WritebackHint writeback() {
            return this::startWriteback;
        }

        /** Never after a discard ({@link #file} refuses): the clone would fill a name that was just removed. */
        @Override
        public synchronized boolean cloneFrom(Path source) throws IOException {
            file();
            return linux.cloneFile(source, staging.path());
        }

        /** Only for a raw image: a codec's writer rewrites its metadata in small pieces. */
        @Override
        public synchronized Optional<DirectOutput> directOutput() throws IOException {
            file();
            if (direct == null) {
                direct = landing.codec().isEmpty() && DirectWrites.suit(staging.path().getParent(), System.getenv())
                        ? linux.openDirect(staging.path()).map(DirectWrites::output) : Optional.empty();
            }
            return direct;
        }

        /** A writeback hint, never on a discarded (closed) file: {@link #file} fails first. */
        private synchronized void startWriteback(long offset, long length) throws IOException {
            file();
            writeback.start(offset, length);
        }

        @Override
        public Path directory() {
            return staging.path();
        }

        @Override
        public void makeDurable() throws IOException {
            if (landing.kind() == Landing.Kind.TREE) {
                linux.syncfs(staging.path());
                return;
            }
            file().force(true);
            closeFile();
        }

        private synchronized void closeFile() throws IOException {
            if (file != null) {
                try {
                    writeback.close();
                    if (direct != null) {
                        direct.ifPresent(DirectOutput::close);
                        direct = null;
                    }
                } finally {
                    file.close();
                    file = null;
                }
            }
        }

        @Override
        public VolumeId commit() throws IOException {
            try {
                staging.commit(linux, finalPath);
            } catch (LinuxCalls.SyscallException e) {
                if (e.errno() == LinuxCalls.EEXIST) {
                    throw new StorageException("file '" + finalPath + "' already exists (created by another import"
                            + " while this one ran)");
                }
                throw e;
            }
            committed = true;
            String name = finalPath.getFileName().toString();
            VolumeId id = storage.id(vol.type() == ContentType.IMAGES || vol.type() == ContentType.ROOTDIR
                    ? vol.vmid().getAsInt() + "/" + name : vol.volname());
            Staging.flushCommitted(linux, finalPath.getParent(), id.toString());
            return id;
        }

        @Override
        public synchronized void discard() throws IOException {
            discarded = true;
            try {
                closeFile();
            } finally {
                staging.close();
                if (createdDir && !committed) {
                    DirStorage.removeIfEmpty(finalPath.getParent());
                }
            }
        }
    }
}
