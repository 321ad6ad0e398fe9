package dev.volport.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The content digest of a raw image ({@code docs/formats.md} "Content digest"): one value for one logical content,
 * whatever format, sparseness or compression carried it. As an {@link ExtentSink} it rides along with any reader;
 * {@link #finish} computes the value.
 *
 * <p>Definition, for a {@link Version}'s leaf size L and group size G: the image (size S) is cut into leaves of L
 * bytes (the last may be shorter); each leaf's digest is SHA-256 of its bytes; each group of G consecutive leaf
 * digests (the last may hold fewer) is hashed, concatenated, with SHA-256; the digest is SHA-256 of the group
 * digests in order followed by S as a u64 little-endian. A full leaf of zeros and a full group of such leaves have
 * constant digests, so zeros cost neither reading nor hashing: a leaf that received only zero runs is never looked
 * at, a group of zeros is one 32-byte update of the final hash. Version 2's leaves are 64 KiB, the cluster of a
 * default qcow2 and the grain of a streamOptimized VMDK, so only allocated clusters are hashed; version 1's were
 * 1 MiB, which hashed the zeros around every small write (kept to verify version 1 streams).
 *
 * <p>Leaves are gathered into 1 MiB chunks (16 leaves of version 2, one of version 1) that are hashed on virtual
 * threads (their carriers use every core) while the producer goes on; at most {@value #BUFFERS} chunk buffers
 * exist, so memory stays at a few MiB whatever the image's size. Not thread-safe: one producer, as for every sink.
 */
public final class ContentDigest implements ExtentSink {
    /** The digest's definitions: leaf and group size, and its name in output. */
    public enum Version {
        /** {@code vpd1-sha256}: 1 MiB leaves, 1024 per group. */
        V1(1 << 20, 1024, "vpd1-sha256"),
        /** {@code vpd2-sha256}: 64 KiB leaves, 16384 per group (a group is 1 GiB in both). */
        V2(1 << 16, 16384, "vpd2-sha256");

        final int leaf;
        final int group;
        final String algorithm;
        final byte[] zeroLeaf;
        final byte[] zeroGroup;

        Version(int leaf, int group, String algorithm) {
            this.leaf = leaf;
            this.group = group;
            this.algorithm = algorithm;
            MessageDigest md = Sha256.jdk();
            zeroLeaf = md.digest(new byte[leaf]);
            for (int i = 0; i < group; i++) {
                md.update(zeroLeaf);
            }
            zeroGroup = md.digest();
        }

        /** Bytes per leaf. */
        public int leaf() {
            return leaf;
        }

        /** Leaves per group. */
        public int group() {
            return group;
        }

        /** The algorithm's name in output ({@code volport checksum}). */
        public String algorithm() {
            return algorithm;
        }
    }

    /** The version volport computes and sends. */
    public static final Version CURRENT = Version.V2;
    /** The current algorithm's name in output ({@code volport checksum}). */
    public static final String ALGORITHM = CURRENT.algorithm;
    /** Bytes per chunk: the unit handed to a hashing thread. */
    static final int CHUNK = 1 << 20;
    /** Chunk buffers in flight: the one being filled and those being hashed. */
    static final int BUFFERS = 6;

    private final Version version;
    private final int leafSize;
    private final Executor workers = Executors.newVirtualThreadPerTaskExecutor();
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(BUFFERS);
    /** Per chunk handed on, its leaf digests in order. */
    private final ArrayDeque<Future<byte[][]>> pending = new ArrayDeque<>();
    private final MessageDigest group = Sha256.jdk();
    private final MessageDigest root = Sha256.jdk();
    private int leavesInGroup;
    private byte[] chunk;
    /** Bytes placed in the current chunk; a chunk always starts at a leaf boundary of the image. */
    private int fill;
    /**
     * Bit i: leaf i of the current chunk received {@link #bytes} or {@link #data} (only then can it hold a non-zero
     * byte; a leaf without its bit reads as zeros whatever the buffer holds).
     */
    private long written;
    private long total;
    private byte[] result;
    /** Leaves that went through SHA-256 (not a zero constant): what {@link #hashedLeaves} reports. */
    private final java.util.concurrent.atomic.AtomicLong hashed = new java.util.concurrent.atomic.AtomicLong();

    /** A digest of the {@link #CURRENT} version. */
    public ContentDigest() {
        this(CURRENT);
    }

    public ContentDigest(Version version) {
        this.version = version;
        this.leafSize = version.leaf;
        for (int i = 0; i < BUFFERS - 1; i++) {
            free.add(new byte[CHUNK]);
        }
        chunk = new byte[CHUNK];
    }

    /** The digest of {@code bytes} as a whole image, of the {@link #CURRENT} version: for tests and small images. */
    public static byte[] of(byte[] bytes) {
        return of(CURRENT, bytes);
    }

    /** The digest of {@code bytes} as a whole image. */
    public static byte[] of(Version version, byte[] bytes) {
        ContentDigest d = new ContentDigest(version);
        try {
            d.bytes(ByteBuffer.wrap(bytes));
            d.finish();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return d.value();
    }

    /** The definition this digest computes. */
    public Version version() {
        return version;
    }

    /** How many leaves were hashed rather than known to be zeros: the work done, for tests and benchmarks. */
    long hashedLeaves() {
        return hashed.get();
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
            int n = (int) Math.min(CHUNK - fill, length - done);
            markWritten(n);
            ByteBuffer dst = ByteBuffer.wrap(chunk, fill, n);
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
            int n = Math.min(CHUNK - fill, buf.remaining());
            markWritten(n);
            buf.get(chunk, fill, n);
            advance(n);
        }
    }

    @Override
    public void zeros(long length) throws IOException {
        long left = length;
        int inLeaf = fill % leafSize;
        if (inLeaf > 0) {
            // finish the current leaf; only a leaf that holds bytes needs the zeros written
            int n = (int) Math.min(leafSize - inLeaf, left);
            if ((written & (1L << (fill / leafSize))) != 0) {
                Arrays.fill(chunk, fill, fill + n, (byte) 0);
            }
            advance(n);
            left -= n;
        }
        long groupBytes = (long) leafSize * version.group;
        if (left >= leafSize && left < 2 * groupBytes) {
            // a short run of whole zero leaves: queued behind the chunks being hashed, which keep hashing meanwhile
            if (fill > 0) {
                handOn(); // a whole number of leaves: the chunk goes as it is
            }
            int n = (int) (left / leafSize);
            byte[][] zero = new byte[n][];
            Arrays.fill(zero, version.zeroLeaf);
            pending.add(CompletableFuture.completedFuture(zero));
            left -= (long) n * leafSize;
            total += (long) n * leafSize;
            drainDone();
        }
        if (left >= leafSize) {
            // a long run: whole groups go straight into the root hash, so everything before them first
            if (fill > 0) {
                handOn();
            }
            drainAll();
            while (left >= leafSize && leavesInGroup != 0) {
                leafDone(version.zeroLeaf);
                left -= leafSize;
                total += leafSize;
            }
            long groups = left / groupBytes;
            for (long g = 0; g < groups; g++) {
                root.update(version.zeroGroup);
            }
            left -= groups * groupBytes;
            total += groups * groupBytes;
            while (left >= leafSize) {
                leafDone(version.zeroLeaf);
                left -= leafSize;
                total += leafSize;
            }
        }
        while (left > 0) {
            // leaves without their written bit: the buffer's old bytes are ignored, nothing is touched
            int n = (int) Math.min(CHUNK - fill, left);
            advance(n);
            left -= n;
        }
    }

    @Override
    public void finish() throws IOException {
        if (fill > 0) {
            handOn();
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
     * {@code n} bytes are about to be placed at {@link #fill}: the leaves they touch are marked written, and the part
     * of the first one that zero runs covered so far (nothing was written for them) becomes real zeros.
     */
    private void markWritten(int n) {
        int first = fill / leafSize;
        int last = (fill + n - 1) / leafSize;
        if ((written & (1L << first)) == 0) {
            Arrays.fill(chunk, first * leafSize, fill, (byte) 0);
        }
        for (int i = first; i <= last; i++) {
            written |= 1L << i;
        }
    }

    /** Counts {@code n} bytes just placed in the current chunk and hands the chunk on once it is full. */
    private void advance(int n) throws IOException {
        fill += n;
        total += n;
        if (fill == CHUNK) {
            handOn();
        }
    }

    /** Hands the current chunk ({@link #fill} bytes, a leaf boundary unless the image ends here) to a hasher. */
    private void handOn() throws IOException {
        int leaves = (fill + leafSize - 1) / leafSize;
        if (written == 0 && fill % leafSize == 0) {
            byte[][] zero = new byte[leaves][];
            Arrays.fill(zero, version.zeroLeaf);
            pending.add(CompletableFuture.completedFuture(zero));
        } else {
            byte[] full = chunk;
            int length = fill;
            long bits = written;
            CompletableFuture<byte[][]> f = new CompletableFuture<>();
            workers.execute(() -> {
                try {
                    f.complete(hashLeaves(full, length, bits));
                } catch (RuntimeException | Error e) {
                    f.completeExceptionally(e);
                } finally {
                    free.add(full);
                }
            });
            pending.add(f);
            chunk = takeBuffer();
        }
        fill = 0;
        written = 0;
        drainDone();
    }

    /** The digests of the leaves in {@code buf[0, length)}; leaves without their bit in {@code bits} are zeros. */
    private byte[][] hashLeaves(byte[] buf, int length, long bits) {
        int leaves = (length + leafSize - 1) / leafSize;
        byte[][] out = new byte[leaves][];
        MemorySegment seg = MemorySegment.ofArray(buf);
        for (int i = 0; i < leaves; i++) {
            int from = i * leafSize;
            int n = Math.min(leafSize, length - from);
            boolean hasBytes = (bits & (1L << i)) != 0;
            if (n == leafSize && (!hasBytes || ZeroBlocks.isZero(seg, from, n))) {
                out[i] = version.zeroLeaf;
            } else {
                if (!hasBytes) {
                    Arrays.fill(buf, from, from + n, (byte) 0); // the image's short last leaf, all zeros
                }
                out[i] = Sha256.digest(buf, from, n);
                hashed.incrementAndGet();
            }
        }
        return out;
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
            leavesDone(get(pending.pollFirst()));
        }
    }

    private void drainAll() throws IOException {
        while (!pending.isEmpty()) {
            leavesDone(get(pending.pollFirst()));
        }
    }

    private void waitHead() throws IOException {
        if (!pending.isEmpty()) {
            leavesDone(get(pending.pollFirst()));
        }
    }

    private void leavesDone(byte[][] digests) {
        for (byte[] d : digests) {
            leafDone(d);
        }
    }

    private void leafDone(byte[] digest) {
        group.update(digest);
        if (++leavesInGroup == version.group) {
            root.update(group.digest());
            leavesInGroup = 0;
        }
    }

    private static byte[][] get(Future<byte[][]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while computing the content digest");
        } catch (ExecutionException e) {
            throw new IOException("computing the content digest failed: " + e.getCause(), e.getCause());
        }
    }
}
