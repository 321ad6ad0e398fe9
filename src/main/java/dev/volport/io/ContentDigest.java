package dev.volport.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The content digest of a raw image (volport digest v1, {@code docs/formats.md} "Content digest"): one value for one
 * logical content, whatever format, sparseness or compression carried it. As an {@link ExtentSink} it rides along
 * with any reader; {@link #finish} computes the value.
 *
 * <p>Definition: the image (size S) is cut into leaves of {@value #LEAF} bytes (the last may be shorter); each leaf's
 * digest is SHA-256 of its bytes; each group of {@value #GROUP} consecutive leaf digests (the last may hold fewer) is
 * hashed, concatenated, with SHA-256; the digest is SHA-256 of the group digests in order followed by S as a u64
 * little-endian. A full leaf of zeros and a full group of such leaves have constant digests, so zero runs cost
 * neither reading nor hashing: a group of zeros is one 32-byte update of the final hash.
 *
 * <p>Leaves holding data are hashed on virtual threads (their carriers use every core) while the producer goes on;
 * at most {@value #BUFFERS} leaf buffers exist, so memory stays at a few MiB whatever the image's size. Not
 * thread-safe: one producer, as for every sink.
 */
public final class ContentDigest implements ExtentSink {
    /** Bytes per leaf. */
    public static final int LEAF = 1 << 20;
    /** Leaves per group. */
    public static final int GROUP = 1024;
    /** The algorithm's name in output ({@code volport checksum}). */
    public static final String ALGORITHM = "vpd1-sha256";
    /** Leaf buffers in flight: the one being filled and those being hashed. */
    static final int BUFFERS = 6;

    private static final byte[] ZERO_LEAF;
    private static final byte[] ZERO_GROUP;

    static {
        MessageDigest md = Sha256.jdk();
        ZERO_LEAF = md.digest(new byte[LEAF]);
        for (int i = 0; i < GROUP; i++) {
            md.update(ZERO_LEAF);
        }
        ZERO_GROUP = md.digest();
    }

    private final Executor workers = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
    private final MessageDigest group = sha256();
    private final MessageDigest root = sha256();
    private int leavesInGroup;
    private byte[] leaf;
    private int fill;
    /** Whether the current leaf received anything but {@link #zeros} (only then can it hold a non-zero byte). */
    private boolean leafHasBytes;
    private long total;
    private byte[] result;

    public ContentDigest() {
        for (int i = 0; i < BUFFERS - 1; i++) {
            free.add(new byte[LEAF]);
        }
        leaf = new byte[LEAF];
    }

    /** The digest of {@code bytes} as a whole image: for tests and small images. */
    public static byte[] of(byte[] bytes) {
        ContentDigest d = new ContentDigest();
        try {
            d.bytes(ByteBuffer.wrap(bytes));
            d.finish();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return d.value();
    }

    /** Bytes seen so far: the image's size once finished. */
    public long size() {
        return total;
    }

    /**
     * The 32-byte digest.
     *
     * @throws IllegalStateException before {@link #finish}
     */
    public byte[] value() {
        if (result == null) {
            throw new IllegalStateException("digest not finished");
        }
        return result.clone();
    }

    /** {@link #value} as 64 lower-case hex digits. */
    public String hex() {
        return HexFormat.of().formatHex(value());
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(LEAF - fill, length - done);
            markBytes();
            ByteBuffer dst = ByteBuffer.wrap(leaf, fill, n);
            while (dst.hasRemaining()) {
                int got = file.read(dst, offset + done + (dst.position() - fill));
                if (got < 0) {
                    throw new ExtentException("source file ends at byte " + file.size() + ", inside a data range"
                            + " that should run to byte " + (offset + length) + " (did it shrink while being read?)");
                }
            }
            advance(n);
            done += n;
        }
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            int n = Math.min(LEAF - fill, buf.remaining());
            markBytes();
            buf.get(leaf, fill, n);
            advance(n);
        }
    }

    @Override
    public void zeros(long length) throws IOException {
        long left = length;
        if (fill > 0) {
            int n = (int) Math.min(LEAF - fill, left);
            if (leafHasBytes) {
                java.util.Arrays.fill(leaf, fill, fill + n, (byte) 0);
            }
            advance(n);
            left -= n;
        }
        if (left >= LEAF) {
            drainAll();
            while (left >= LEAF && leavesInGroup != 0) {
                leafDone(ZERO_LEAF);
                left -= LEAF;
                total += LEAF;
            }
            long groups = left / ((long) LEAF * GROUP);
            for (long g = 0; g < groups; g++) {
                root.update(ZERO_GROUP);
            }
            left -= groups * LEAF * GROUP;
            total += groups * LEAF * GROUP;
            while (left >= LEAF) {
                leafDone(ZERO_LEAF);
                left -= LEAF;
                total += LEAF;
            }
        }
        if (left > 0) {
            // a fresh leaf: its buffer may hold old bytes, which leafHasBytes = false tells us to ignore
            advance((int) left);
        }
    }

    @Override
    public void finish() throws IOException {
        if (fill > 0) {
            if (!leafHasBytes) {
                java.util.Arrays.fill(leaf, 0, fill, (byte) 0);
            }
            pending.add(CompletableFuture.completedFuture(Sha256.digest(leaf, fill)));
            fill = 0;
        }
        drainAll();
        if (leavesInGroup > 0) {
            root.update(group.digest());
            leavesInGroup = 0;
        }
        root.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(total).array());
        result = root.digest();
    }

    /**
     * The current leaf is about to receive bytes: what zero runs put in it so far (nothing was written for them)
     * becomes real zeros.
     */
    private void markBytes() {
        if (!leafHasBytes) {
            java.util.Arrays.fill(leaf, 0, fill, (byte) 0);
            leafHasBytes = true;
        }
    }

    /** Counts {@code n} bytes just placed in the current leaf and hands the leaf on once it is full. */
    private void advance(int n) throws IOException {
        fill += n;
        total += n;
        if (fill == LEAF) {
            if (!leafHasBytes || ZeroBlocks.isZero(MemorySegment.ofArray(leaf), 0, LEAF)) {
                pending.add(CompletableFuture.completedFuture(ZERO_LEAF));
            } else {
                byte[] full = leaf;
                CompletableFuture<byte[]> f = new CompletableFuture<>();
                workers.execute(() -> {
                    f.complete(Sha256.digest(full, LEAF));
                    free.add(full);
                });
                pending.add(f);
                leaf = takeBuffer();
            }
            fill = 0;
            leafHasBytes = false;
            drainDone();
        }
    }

    private byte[] takeBuffer() throws IOException {
        byte[] b = free.poll();
        while (b == null) {
            waitHead();
            b = free.poll();
            if (b == null && pending.isEmpty()) {
                try {
                    b = free.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while computing the content digest");
                }
            }
        }
        return b;
    }

    /** Feeds the leaf digests already computed, in order, into their group. */
    private void drainDone() throws IOException {
        while (!pending.isEmpty() && pending.peekFirst().isDone()) {
            leafDone(get(pending.pollFirst()));
        }
    }

    private void drainAll() throws IOException {
        while (!pending.isEmpty()) {
            leafDone(get(pending.pollFirst()));
        }
    }

    private void waitHead() throws IOException {
        if (!pending.isEmpty()) {
            leafDone(get(pending.pollFirst()));
        }
    }

    private void leafDone(byte[] digest) {
        group.update(digest);
        if (++leavesInGroup == GROUP) {
            root.update(group.digest());
            leavesInGroup = 0;
        }
    }

    private static byte[] get(Future<byte[]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while computing the content digest");
        } catch (ExecutionException e) {
            throw new IOException("computing the content digest failed: " + e.getCause(), e.getCause());
        }
    }

    private static MessageDigest sha256() {
        return Sha256.jdk();
    }
}
