package dev.volport.storage.zfs;

import dev.volport.format.StreamFormat;
import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.RunningCommand;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.StagingObject;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * An import into a {@code zfspool} storage, as the reference's {@code volume_import} ({@code pve-storage.md}
 * §1.2) inside volport's transaction: the existence checks before a byte is read ({@code base snapshot … doesn't
 * exist}, {@code volume … already exists}, or the next free name with {@code allow-rename}); a full {@code zfs}
 * stream received with {@code zfs recv -F} under a staging name {@code volport-import-HEX-FINAL} and renamed to
 * {@code FINAL} only after the receive succeeded and the requested snapshot is there; a {@code tar+size} stream
 * extracted into a new staging dataset (refquota = the stream's size) the same way. An incremental stream (a
 * {@code base}) updates the existing volume in place, as in the reference; on failure it is rolled back to the
 * base ({@code zfs rollback -r}), and a failed full import's staging dataset is destroyed ({@code zfs destroy -r}).
 * Staging datasets left by a killed import are destroyed by the next import or alloc, recognised by their free lock
 * ({@link ZfsLocks}).
 */
final class ZfsImport implements ImportTarget {
    /** Names of staging datasets start with this; no volume name does. */
    static final String STAGING_PREFIX = "volport-import-";

    private final ZfsPoolStorage storage;
    private final ZfsVolumeName name;
    private final StreamFormat format;
    private final TransferOptions options;
    private final ZfsTool zfs;

    ZfsImport(ZfsPoolStorage storage, ZfsVolumeName name, StreamFormat format, TransferOptions options) {
        this.storage = storage;
        this.name = name;
        this.format = format;
        this.options = options;
        this.zfs = storage.zfs();
    }

    @Override
    public VolumeId requested() {
        return storage.id(name);
    }

    @Override
    public Landing landing() {
        return switch (format) {
            case TAR_SIZE -> Landing.tree();
            case RAW_SIZE -> Landing.rawFile();
            default -> new Landing(Landing.Kind.SINK, name.format(), Optional.empty());
        };
    }

    private String dataset() {
        return zfs.commands().dataset(name.name());
    }

    @Override
    public void checkAvailable() throws IOException {
        if (options.base().isPresent()) {
            String base = options.base().get().value();
            if (!zfs.exists(name.name(), Optional.of(base))) {
                throw new StorageException("base snapshot '" + dataset() + "@" + base + "' doesn't exist");
            }
        } else if (!options.allowRename() && zfs.exists(name.name(), Optional.empty())) {
            throw new StorageException("volume '" + dataset() + "' already exists");
        }
    }

    @Override
    public StagingObject stage(long declaredSize) throws IOException {
        if (options.base().isPresent()) {
            return new Staging(name, name.name(), null);
        }
        try (ZfsLocks.Held lock = storage.locks().storage()) {
            // one listing under the lock: the leftovers, whether the name is taken, the next free one
            ZfsLeftovers.Taken taken = ZfsLeftovers.remove(storage);
            ZfsVolumeName target = name;
            if (taken.contains(name.name())) {
                if (!options.allowRename()) {
                    throw new StorageException("volume '" + dataset() + "' already exists");
                }
                target = storage.nextFree(name.guest(), name.format(), taken);
                storage.env().warnings().println("volport: volume '" + dataset() + "' already exists - importing"
                        + " with a different name (" + storage.id(target) + ")");
            }
            String staging = STAGING_PREFIX + HexFormat.of().formatHex(randomBytes()) + "-" + target.name();
            ZfsLocks.Held held = storage.locks().staging(staging);
            Staging s = new Staging(target, staging, held);
            try {
                return switch (format) {
                    case TAR_SIZE -> s.createTree(declaredSize);
                    case RAW_SIZE -> s.createZvol(declaredSize);
                    default -> s; // the receive starts when the stream's source is known: readsDirectly or sink
                };
            } catch (IOException | RuntimeException e) {
                s.discard();
                throw e;
            }
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[8];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** The dataset being written: a staging dataset, or for an incremental stream the volume itself. */
    private final class Staging implements StagingObject {
        private final ZfsVolumeName target;
        private final String dataset;
        private final ZfsLocks.Held lock;
        private RunningCommand receive;
        /** Whether the receive reads volport's stdin itself (no pipe to close). */
        private boolean direct;
        private Path tree;
        private ZfsZvols.StagingDevice device;
        private boolean committed;
        private boolean discarded;
        /** After a receive: {@link ZfsTool#state} of the dataset and its snapshots. */
        private java.util.Map<String, java.util.Map<String, String>> state;

        Staging(ZfsVolumeName target, String dataset, ZfsLocks.Held lock) {
            this.target = target;
            this.dataset = dataset;
            this.lock = lock;
        }

        private boolean incremental() {
            return lock == null;
        }

        /** Starts {@code zfs recv} reading volport's own stdin ({@code direct}) or a pipe volport writes. */
        private synchronized void startReceive(boolean direct) throws IOException {
            if (discarded) {
                throw new StorageException("the import was cancelled");
            }
            List<String> argv = zfs.commands().receive(dataset, zfs.receiveFeatures());
            if (direct) {
                argv = ZfsCommands.tiedToCaller(argv); // killed with volport, see ZfsCommands
            }
            try {
                receive = zfs.runner().start(Command.of(argv)
                        .withStdin(direct ? Command.Stdin.inherit() : Command.Stdin.pipe()));
            } catch (CommandException e) {
                throw new StorageException("cannot start the receive: " + e.getMessage(), e);
            }
            this.direct = direct;
        }

        /**
         * An import from volport's own stdin: {@code zfs recv} reads the stream from that file descriptor itself,
         * so it does not pass through volport (no byte counts for the progress display then).
         */
        @Override
        public boolean readsDirectly(java.nio.channels.ReadableByteChannel in) throws IOException {
            if (!dev.volport.os.StandardStreams.isStdin(in) || !zfs.canHandOverStdio()) {
                return false;
            }
            startReceive(true);
            return true;
        }

        Staging createTree(long declaredSize) throws IOException {
            long kib = declaredSize / 1024 + (declaredSize % 1024 == 0 ? 0 : 1);
            zfs.run(zfs.commands().createDataset(dataset, kib), "import into " + requested()
                    + " failed: cannot create the staging dataset");
            tree = Path.of(zfs.get(dataset, "mountpoint"));
            return this;
        }

        Staging createZvol(long declaredSize) throws IOException {
            long kib = declaredSize / 1024 + (declaredSize % 1024 == 0 ? 0 : 1);
            zfs.run(zfs.commands().createZvol(dataset, Math.max(kib, 1), storage.sparse(), storage.blocksize()),
                    "import into " + requested() + " failed: cannot create the staging zvol");
            Path dev = ZfsZvols.waitForDevice(storage.device(dataset), requested());
            device = new ZfsZvols.StagingDevice(dev, ZfsListing.number(zfs.get(dataset, "volsize")));
            return this;
        }

        @Override
        public java.nio.channels.FileChannel channel() throws IOException {
            if (device == null) {
                throw new IllegalStateException("the staging object " + where() + " is not a zvol");
            }
            return device.channel();
        }

        @Override
        public void setLength(long length) throws IOException {
            if (device == null) {
                throw new IllegalStateException("the staging object " + where() + " is not a zvol");
            }
            device.setLength(length);
        }

        @Override
        public String where() {
            return zfs.commands().dataset(dataset);
        }

        @Override
        public WritableByteChannel sink() throws IOException {
            if (tree != null || device != null) {
                throw new IllegalStateException("the staging object " + where() + " is not a sink");
            }
            if (receive == null) {
                startReceive(false);
            }
            return new LargeWrites(receive.stdin());
        }

        @Override
        public Path directory() {
            if (tree == null) {
                throw new IllegalStateException("the staging object " + where() + " is not a directory");
            }
            return tree;
        }

        /** Ends the receive and checks it: zfs verified the stream's checksums; the snapshot asked for is there. */
        @Override
        public void makeDurable() throws IOException {
            if (tree == null && device == null && receive == null) {
                startReceive(false); // an empty stream: zfs recv says what is wrong with it
            }
            if (receive != null) {
                try {
                    if (!direct) {
                        receive.stdin().close();
                    }
                    receive.await();
                } catch (CommandException e) {
                    throw new StorageException(e.getMessage(), e);
                }
                // one zfs call for the snapshot check here and the type and mount state the commit needs
                state = zfs.state(dataset);
                if (options.snapshot().isPresent()
                        && !state.containsKey(where() + "@" + options.snapshot().get().value())) {
                    throw new StorageException("the stream did not contain snapshot '"
                            + options.snapshot().get().value() + "'");
                }
            } else if (device != null) {
                device.force();
            } else {
                storage.env().linux().syncfs(tree);
            }
        }

        @Override
        public synchronized VolumeId commit() throws IOException {
            if (device != null) {
                device.close();
            }
            if (!incremental()) {
                String doing = "import into " + requested() + " failed: cannot rename '" + where() + "' to '"
                        + zfs.commands().dataset(target.name()) + "'";
                var own = device != null ? java.util.Map.<String, String>of()
                        : (state != null ? state : zfs.state(dataset)).getOrDefault(where(), java.util.Map.of());
                boolean filesystem = "filesystem".equals(own.get("type"));
                // zfs-fuse cannot rename a mounted dataset ("dataset is busy"); OpenZFS remounts either way
                if (filesystem && "yes".equals(own.get("mounted"))) {
                    zfs.runBusy(zfs.commands().unmount(dataset), doing);
                }
                try {
                    zfs.runBusy(zfs.commands().rename(dataset, target.name()), doing);
                } catch (StorageException e) {
                    // only a volume made outside an import (an alloc by name, zfs create) can take the name now
                    if (zfs.exists(target.name(), Optional.empty())) {
                        throw new StorageException("import into " + requested() + " failed: volume '"
                                + zfs.commands().dataset(target.name()) + "' was created while the import ran", e);
                    }
                    throw e;
                }
                committed = true;
                if (filesystem) {
                    zfs.run(zfs.commands().mount(target.name()), "imported " + storage.id(target)
                            + " but cannot mount it");
                }
                lock.close();
            }
            committed = true;
            return storage.id(target);
        }

        @Override
        public synchronized void discard() throws IOException {
            if (discarded) {
                return;
            }
            discarded = true;
            if (receive != null) {
                receive.close();
            }
            if (device != null) {
                device.close();
            }
            if (committed) {
                return;
            }
            try {
                if (incremental()) {
                    String base = options.base().orElseThrow().value();
                    zfs.runBusy(zfs.commands().rollback(dataset, base), "cannot roll back");
                } else if (zfs.exists(dataset, Optional.empty())) {
                    zfs.runBusy(zfs.commands().destroy(dataset, true), "cannot destroy");
                }
            } catch (StorageException e) {
                storage.env().warnings().println("volport: cleanup after the failed import into " + requested()
                        + ": " + e.getMessage());
            } finally {
                if (lock != null) {
                    lock.close();
                }
            }
        }
    }

    /**
     * A channel onto a tool's stdin that hands each buffer to the stream in one write (through a 1 MiB array for
     * direct buffers): {@code Channels.newChannel} would split it into 8 KiB writes.
     */
    private static final class LargeWrites implements WritableByteChannel {
        private final java.io.OutputStream out;
        private final byte[] array = new byte[1 << 20];
        private boolean open = true;

        LargeWrites(java.io.OutputStream out) {
            this.out = out;
        }

        @Override
        public int write(java.nio.ByteBuffer src) throws IOException {
            int n = src.remaining();
            if (src.hasArray()) {
                out.write(src.array(), src.arrayOffset() + src.position(), n);
                src.position(src.limit());
                return n;
            }
            while (src.hasRemaining()) {
                int k = Math.min(array.length, src.remaining());
                src.get(array, 0, k);
                out.write(array, 0, k);
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    /** Staging datasets of imports, and the clones a {@code tar+size} export of a snapshot reads from. */
    static boolean isStaging(String datasetName) {
        return datasetName.startsWith(STAGING_PREFIX) || datasetName.startsWith(ZfsPoolStorage.EXPORT_PREFIX);
    }

    static String random() {
        return HexFormat.of().formatHex(randomBytes());
    }
}
