package dev.volport.storage.zfs;

import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.os.ZeroPages;
import dev.volport.storage.StorageException;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * zvols as {@code raw+size} (beyond the reference, so that zvol ↔ dir transfers negotiate): the block device
 * {@code ZVOLROOT/POOL/NAME} ({@code /dev/zvol/…}, made by udev) read or written at explicit offsets. A block
 * device's {@code FileChannel.size()} is 0 and {@code sendfile} from it is not relied on: export reads it in 1 MiB
 * blocks and emits all-zero blocks as zeros; import writes through {@link StagingDevice}. Tested at the argv level
 * with regular files standing in for devices: zfs-fuse has no zvols.
 */
final class ZfsZvols {
    /** How long a new zvol's device may take to appear (udev), in milliseconds. */
    static final long DEVICE_WAIT_MS = 10_000;
    private static final int BLOCK = 1 << 20;

    private ZfsZvols() {
    }

    /** Waits for the device node of a zvol just created or cloned. */
    static Path waitForDevice(Path device, VolumeId what) throws StorageException {
        long deadline = System.nanoTime() + DEVICE_WAIT_MS * 1_000_000;
        while (!Files.exists(device)) {
            if (System.nanoTime() > deadline) {
                throw new StorageException(what + ": the zvol's device '" + device + "' did not appear within "
                        + DEVICE_WAIT_MS / 1000 + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException(what + ": interrupted while waiting for '" + device + "'");
            }
        }
        return device;
    }

    /** Writes the {@code raw+size} stream of {@code size} bytes of {@code device}. */
    static void export(Path device, long size, WritableByteChannel out, Progress progress, VolumeId id)
            throws IOException {
        progress.start("export " + id, size);
        try (FileChannel ch = FileChannel.open(device, StandardOpenOption.READ)) {
            ExtentSink body = RawBodyEncoder.stream(out, size, ZeroPages::write, progress, id.toString());
            ByteBuffer buf = ByteBuffer.allocateDirect(BLOCK);
            long pos = 0;
            while (pos < size) {
                buf.clear().limit((int) Math.min(BLOCK, size - pos));
                while (buf.hasRemaining()) {
                    if (ch.read(buf, pos + buf.position()) < 0) {
                        throw new StorageException("export of " + id + ": '" + device + "' ends at byte "
                                + (pos + buf.position()) + ", before its volsize " + size);
                    }
                }
                buf.flip();
                int n = buf.remaining();
                if (allZero(buf)) {
                    body.zeros(n);
                } else {
                    body.bytes(buf);
                }
                pos += n;
            }
            body.finish();
        } finally {
            progress.finish();
        }
    }

    private static boolean allZero(ByteBuffer buf) {
        for (int i = buf.position(); i + 8 <= buf.limit(); i += 8) {
            if (buf.getLong(i) != 0) {
                return false;
            }
        }
        for (int i = buf.limit() & ~7; i < buf.limit(); i++) {
            if (buf.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The staging zvol's device opened for the import's sparse writer. It reads back zeros where nothing is
     * written (a new zvol), so zero blocks may be skipped (DESIGN §5); its length is its volsize, which the stream's
     * size was rounded up to in KiB, so {@link #setLength} only checks.
     */
    static final class StagingDevice implements AutoCloseable {
        private final Path device;
        private final long volsize;
        private FileChannel channel;

        StagingDevice(Path device, long volsize) {
            this.device = device;
            this.volsize = volsize;
        }

        synchronized FileChannel channel() throws IOException {
            if (channel == null) {
                channel = FileChannel.open(device, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            return channel;
        }

        void setLength(long length) throws StorageException {
            if (length > volsize) {
                throw new StorageException("the stream's " + length + " bytes do not fit the staging zvol '" + device
                        + "' of " + volsize + " bytes");
            }
        }

        void force() throws IOException {
            channel().force(true);
        }

        @Override
        public synchronized void close() throws IOException {
            if (channel != null) {
                channel.close();
            }
        }
    }
}
