package dev.volport.storage.dir;

import dev.volport.format.StreamFormat;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.SparseFileSink;
import dev.volport.os.CancellableThread;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.LocalCopy;
import dev.volport.storage.Rollback;
import dev.volport.storage.StagingObject;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * A raw image copied between dir storages of one host without a stream. On one filesystem that shares blocks
 * (btrfs, XFS with reflink) it is a clone of the file ({@code FICLONE}): nothing is read or written but metadata,
 * holes stay holes, and both files share every block until one side writes. Elsewhere, or where the filesystem
 * refuses the clone, only the source's data ranges ({@code SEEK_DATA}/{@code SEEK_HOLE}) are copied file to file
 * ({@code copy_file_range}, in the kernel) and its holes stay holes: the stream would carry every zero of the
 * image through a pipe to find them again (a 10 GiB disk with 1 GiB of data: 10 GiB through the pipe). That copy
 * moves data, so it is not taken under a bandwidth limit, which the stream enforces. Both are staged and committed
 * as an import is (staging name, lock, flush, no-replace rename, directory flush, removed on failure or on
 * SIGINT/SIGTERM).
 *
 * <p>Only raw images: a qcow2 or VMDK file may name a backing file by a path relative to its own storage, which a
 * clone would carry to a place where it means something else, and its stream keeps the file as it is.
 */
final class DirLocalCopy {
    /** Filesystems whose files can share blocks; others are not tried. */
    private static final Set<String> SHARING = Set.of("btrfs", "xfs");

    private final DirStorage target;

    DirLocalCopy(DirStorage target) {
        this.target = target;
    }

    Optional<LocalCopy.Copied> copy(Storage source, VolumeName from, VolumeName to, TransferOptions o,
            long bytesPerSecond, Progress progress) throws IOException {
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
        boolean cloneable = sharesBlocksWith(file);
        if (!cloneable && bytesPerSecond > 0) {
            return Optional.empty();
        }
        if (cloneable) {
            ImportTarget imp = target.prepareImport(to, StreamFormat.RAW_SIZE, o);
            imp.checkAvailable();
            Optional<VolumeId> cloned = stageAndCommit(imp, Files.size(file), staging -> staging.cloneFrom(file));
            if (cloned.isPresent()) {
                return Optional.of(new LocalCopy.Copied(cloned.get(), "a clone of the file sharing its blocks"
                        + " (same " + Files.getFileStore(file).type() + " filesystem, nothing copied)", 0));
            }
            if (bytesPerSecond > 0) {
                return Optional.empty();
            }
        }
        ImportTarget imp = target.prepareImport(to, StreamFormat.RAW_SIZE, o);
        imp.checkAvailable();
        String what = src.id(s) + " to " + target.id(t);
        long[] copied = new long[1];
        StagingObject[] opened = new StagingObject[1];
        boolean[] started = new boolean[1];
        try (Rollback rollback = new Rollback(target.env())) {
            try {
                src.readContent(from, TransferOptions.DEFAULT, size -> {
                    StagingObject staging = imp.stage(size);
                    opened[0] = staging;
                    rollback.add(staging::discard);
                    staging.setLength(size);
                    progress.start("copy " + what, size);
                    started[0] = true;
                    return new Metered(new SparseFileSink(staging.channel(), staging.writeback(),
                            staging.directOutput()), progress, copied);
                });
                if (opened[0] == null) {
                    throw new StorageException("copy of " + what + ": the source was never read");
                }
                opened[0].makeDurable();
            } catch (StorageException e) {
                throw e;
            } catch (IOException e) {
                throw new StorageException("copying " + src.id(s) + " into '" + (opened[0] == null
                        ? target.id(t) : opened[0].where()) + "': " + e.getMessage(), e);
            }
            VolumeId[] committed = new VolumeId[1];
            rollback.commit(() -> committed[0] = opened[0].commit());
            return Optional.of(new LocalCopy.Copied(committed[0], "the data ranges copied file to file (holes"
                    + " kept, no stream)", copied[0]));
        } finally {
            if (opened[0] != null) {
                opened[0].close();
            }
            if (started[0]) {
                progress.finish();
            }
        }
    }

    /** What a staged copy does into its staging file: true when done, false when it cannot (nothing written). */
    @FunctionalInterface
    private interface Fill {
        boolean into(StagingObject staging) throws IOException;
    }

    private Optional<VolumeId> stageAndCommit(ImportTarget imp, long size, Fill fill) throws IOException {
        try (Rollback rollback = new Rollback(target.env()); StagingObject staging = imp.stage(size)) {
            rollback.add(staging::discard);
            if (!fill.into(staging)) {
                return Optional.empty();
            }
            staging.makeDurable();
            VolumeId[] committed = new VolumeId[1];
            rollback.commit(() -> committed[0] = staging.commit());
            return Optional.of(committed[0]);
        }
    }

    /** Whether {@code file} and the target's directory are on one filesystem whose files can share blocks. */
    private boolean sharesBlocksWith(Path file) {
        try {
            FileStore store = Files.getFileStore(file);
            FileStore targetStore = Files.getFileStore(existing(target.layout().root()));
            return SHARING.contains(store.type()) && store.name().equals(targetStore.name());
        } catch (IOException e) {
            return false; // no mount table entry (a chroot, a container): not known to share
        }
    }

    /** Passes the events on and tells the progress how far the copy is; counts the data bytes. */
    private static final class Metered implements ExtentSink {
        private final ExtentSink out;
        private final Progress progress;
        private final long[] data;

        Metered(ExtentSink out, Progress progress, long[] data) {
            this.out = out;
            this.progress = progress;
            this.data = data;
        }

        /** Stops the copy once its thread was cancelled ({@code TransferRunner.cancel}). */
        private static void requireRunning() throws IOException {
            if (CancellableThread.currentStopped()) {
                throw new InterruptedIOException("the copy was cancelled");
            }
        }

        @Override
        public void data(FileChannel file, long offset, long length) throws IOException {
            requireRunning();
            out.data(file, offset, length);
            data[0] += length;
            progress.advance(length);
        }

        @Override
        public void bytes(ByteBuffer buf) throws IOException {
            requireRunning();
            int n = buf.remaining();
            out.bytes(buf);
            data[0] += n;
            progress.advance(n);
        }

        @Override
        public void zeros(long length) throws IOException {
            out.zeros(length);
            progress.advance(length);
        }

        @Override
        public void finish() throws IOException {
            out.finish();
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
