package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.os.ZeroPages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An open qcow2 image, read-only: its header, its snapshots, and its guest content as a stream of raw bytes
 * (qcow2.txt "Cluster mapping"; image-formats.md A.6-A.11).
 *
 * <p>Memory is bounded independently of the virtual size: one L1 window of 32 KiB and an L2 cache of at most
 * {@link Qcow2Limits#L2_CACHE_BYTES} per image in the chain, plus one cluster for decompression (two for its
 * input). Backing files are followed only through the {@link BackingResolver}, at most
 * {@link Qcow2Limits#MAX_BACKING_DEPTH} deep, and a name seen twice in one chain is refused as a loop. The
 * resolver is only asked about names of the linked-clone form ({@link Qcow2Validator#isLinkedCloneBase});
 * any other name (absolute, {@code json:}, URLs, other relative paths) is refused without asking.
 *
 * <p>The caller keeps ownership of the channel it passes to {@link #open}; channels returned by the resolver
 * belong to this image and are closed by {@link #close}. Not thread-safe.
 */
public final class Qcow2Image implements AutoCloseable {
    private final FileChannel file;
    private final String name;
    private final long fileLength;
    private final Qcow2Header header;
    private final List<Qcow2Snapshot> snapshots;
    private final Map<Long, long[]> l2Cache;
    private final L1Map active;
    private final Qcow2Image backing;
    private final FileChannel ownedFile;
    private Decompressor decompressor;
    private byte[] compressedIn;
    private byte[] cluster;
    private long clusterEntry = -1;

    private Qcow2Image(FileChannel file, String name, long fileLength, Qcow2Header header,
            List<Qcow2Snapshot> snapshots, Qcow2Image backing, FileChannel ownedFile) {
        this.file = file;
        this.name = name;
        this.fileLength = fileLength;
        this.header = header;
        this.snapshots = snapshots;
        this.backing = backing;
        this.ownedFile = ownedFile;
        this.l2Cache = L1Map.newCache(header.clusterSize());
        this.active = new L1Map(file, header, fileLength, "qcow2 image " + name, header.l1TableOffset(),
                header.l1Size(), header.size(), l2Cache);
    }

    /**
     * Opens an image: parses and checks the header and the snapshot table, and opens its backing chain through
     * {@code resolver}.
     *
     * @param name the file or volume, used in messages only
     * @throws FormatException for a malformed or refused image, a backing file the resolver refuses, a backing
     *     format other than qcow2, a chain deeper than {@link Qcow2Limits#MAX_BACKING_DEPTH} or a loop
     */
    public static Qcow2Image open(FileChannel file, String name, BackingResolver resolver) throws IOException {
        return open(file, name, resolver, 0, new HashSet<>(), null);
    }

    /** What the header and the snapshot table say, read without opening any backing file. */
    public record Summary(long virtualSize, Optional<String> backingFileName, List<Qcow2Snapshot> snapshots) {
    }

    /**
     * Reads the header and the snapshot table only: a linked clone whose base is missing or not followed can still
     * be described (as {@code qemu-img info} does).
     *
     * @throws FormatException for a malformed header or snapshot table
     */
    public static Summary summary(FileChannel file, String name) throws IOException {
        long fileLength = file.size();
        ByteBuffer cluster0 = ByteBuffer.allocate((int) Math.min(fileLength, 1 << Qcow2Limits.MAX_CLUSTER_BITS));
        Positional.readFully(file, cluster0, 0, "qcow2 header of " + name);
        Qcow2Header h = Qcow2Header.parse(cluster0.flip(), fileLength, name);
        List<Qcow2Snapshot> snaps = h.nbSnapshots() == 0 ? List.of()
                : Qcow2Snapshot.readTable(file, h, fileLength, name).snapshots();
        return new Summary(h.size(), h.backingFileName(), snaps);
    }

    private static Qcow2Image open(FileChannel file, String name, BackingResolver resolver, int depth,
            Set<String> chain, FileChannel owned) throws IOException {
        long fileLength = file.size();
        ByteBuffer cluster0 = ByteBuffer.allocate((int) Math.min(fileLength, 1 << Qcow2Limits.MAX_CLUSTER_BITS));
        Positional.readFully(file, cluster0, 0, "qcow2 header of " + name);
        Qcow2Header h = Qcow2Header.parse(cluster0.flip(), fileLength, name);
        List<Qcow2Snapshot> snaps = h.nbSnapshots() == 0 ? List.of()
                : Qcow2Snapshot.readTable(file, h, fileLength, name).snapshots();
        Qcow2Image backing = null;
        if (h.backingFileName().isPresent()) {
            String backingName = h.backingFileName().get();
            String prefix = "qcow2 image " + name + ": backing file '" + backingName + "'";
            if (h.backingFormat().isPresent() && !h.backingFormat().get().equals("qcow2")) {
                throw new FormatException(prefix + " has format '" + h.backingFormat().get()
                        + "'; only qcow2 backing files are followed");
            }
            if (!chain.add(backingName)) {
                throw new FormatException(prefix + " appears twice in the backing chain (loop)");
            }
            if (depth >= Qcow2Limits.MAX_BACKING_DEPTH) {
                throw new FormatException(prefix + ": backing chain deeper than "
                        + Qcow2Limits.MAX_BACKING_DEPTH);
            }
            // Defence in depth: the resolver is never even asked about another form of name.
            Optional<FileChannel> resolved = Qcow2Validator.isLinkedCloneBase(backingName)
                    ? resolver.resolve(backingName) : Optional.empty();
            if (resolved.isEmpty()) {
                throw new FormatException(prefix + " not allowed (only a linked-clone base"
                        + " ../VMID/base-VMID-disk-N.qcow2 in the same storage is followed)");
            }
            FileChannel bf = resolved.get();
            try {
                backing = open(bf, name + " -> " + backingName, resolver, depth + 1, chain, bf);
            } catch (IOException | RuntimeException e) {
                bf.close();
                throw e;
            }
        }
        return new Qcow2Image(file, name, fileLength, h, snaps, backing, owned);
    }

    /** The guest disk size in bytes (of the current state). */
    public long virtualSize() {
        return header.size();
    }

    /** Bytes per cluster. */
    public int clusterSize() {
        return header.clusterSize();
    }

    /** The parsed header. */
    public Qcow2Header header() {
        return header;
    }

    /** The internal snapshots in table order. */
    public List<Qcow2Snapshot> snapshots() {
        return snapshots;
    }

    /** The backing file name as stored in the image, if any. */
    public Optional<String> backingFileName() {
        return header.backingFileName();
    }

    /**
     * Finds a snapshot by id, else by name.
     *
     * @throws FormatException when there is none, or several share the name
     */
    public Qcow2Snapshot snapshot(String idOrName) throws FormatException {
        for (Qcow2Snapshot s : snapshots) {
            if (s.id().equals(idOrName)) {
                return s;
            }
        }
        List<Qcow2Snapshot> named = snapshots.stream().filter(s -> s.name().equals(idOrName)).toList();
        if (named.size() != 1) {
            throw new FormatException("qcow2 image " + name + ": " + (named.isEmpty() ? "no snapshot '"
                    + idOrName + "'" : named.size() + " snapshots are named '" + idOrName + "'"));
        }
        return named.getFirst();
    }

    /**
     * Streams the whole guest content in order to {@code out} as plain bytes: {@link #read} into a
     * {@link RawBodyEncoder} (host ranges by {@code sendfile}, zeros spliced by {@link ZeroPages}). {@code out} is
     * never seeked, so a pipe works. Progress gets {@link Progress#advance} calls only; starting and finishing it
     * is the caller's business.
     *
     * @throws FormatException for a malformed table or cluster met on the way (output so far is incomplete)
     */
    public void readRaw(Optional<String> snapshotNameOrId, WritableByteChannel out, Progress progress)
            throws IOException {
        read(snapshotNameOrId, new RawBodyEncoder(out, ZeroPages::write, progress, "qcow2 image " + name));
    }

    /**
     * Emits the whole guest content in order into {@code sink}, then finishes it: of the current state, or of the
     * snapshot named (by id or name; see {@link #snapshot}). The events add up to exactly the virtual size of that
     * state ({@link Qcow2Snapshot#virtualSize} for a snapshot). Allocated clusters become {@link ExtentSink#data}
     * ranges of this file or of a backing file (merged by the sink where they follow each other), compressed
     * clusters {@link ExtentSink#bytes} of the decompressed cluster, zero and unallocated clusters without a
     * backing file {@link ExtentSink#zeros}.
     *
     * @throws FormatException for a malformed table or cluster met on the way (the sink has had the events
     *     before it and is not finished)
     */
    public void read(Optional<String> snapshotNameOrId, ExtentSink sink) throws IOException {
        L1Map map = active;
        if (snapshotNameOrId.isPresent()) {
            Qcow2Snapshot s = snapshot(snapshotNameOrId.get());
            map = new L1Map(file, header, fileLength, "qcow2 image " + name + " snapshot '" + s.name() + "'",
                    s.l1TableOffset(), s.l1Size(), s.virtualSize(), l2Cache);
        }
        copy(map, 0, map.virtualSize(), sink);
        sink.finish();
    }

    /** Emits guest bytes [from, from + length) of {@code map} to {@code sink}; zeros past its virtual size. */
    private void copy(L1Map map, long from, long length, ExtentSink sink) throws IOException {
        int bits = header.clusterBits();
        int cs = header.clusterSize();
        int l2Entries = header.l2Entries();
        boolean ext = header.extendedL2();
        long end = from + length;
        long mapped = Math.min(end, map.virtualSize());
        long pos = from;
        while (pos < mapped) {
            long cl = pos >>> bits;
            long l1Index = cl / l2Entries;
            int l2Index = (int) (cl % l2Entries);
            long[] table = map.l2Table(l1Index);
            if (table == null) {
                // The whole L2 range is unallocated: fall through in one piece.
                long rangeEnd = Math.min(mapped, (l1Index + 1) * header.bytesPerL1Entry());
                fallThrough(pos, rangeEnd - pos, sink);
                pos = rangeEnd;
                continue;
            }
            int inCluster = (int) (pos & (cs - 1));
            long n = Math.min(cs - inCluster, mapped - pos);
            long entry = table[ext ? 2 * l2Index : l2Index];
            long bitmap = ext ? table[2 * l2Index + 1] : 0;
            if ((entry & Entries.COMPRESSED) != 0) {
                String where = where(map, cl, entry);
                byte[] data = decompress(entry, where, ext ? bitmap : 0);
                sink.bytes(ByteBuffer.wrap(data, inCluster, (int) n));
            } else {
                if ((entry & Entries.L2_RESERVED) != 0) {
                    throw new FormatException(where(map, cl, entry) + " has reserved bits set");
                }
                long host = entry & Entries.OFFSET_MASK;
                if (host % cs != 0) {
                    throw new FormatException(where(map, cl, entry) + ": host offset not aligned to the cluster size "
                            + cs);
                }
                if (ext) {
                    copySubclusters(pos, inCluster, (int) n, host, bitmap, where(map, cl, entry), sink);
                } else if ((entry & Entries.ZERO_FLAG) != 0) {
                    if (header.version() < 3) {
                        throw new FormatException(where(map, cl, entry) + ": zero flag in a version 2 image");
                    }
                    sink.zeros(n);
                } else if (host != 0) {
                    long offset = host + inCluster;
                    if (pastEnd(offset, n)) {
                        throw pastEndError(where(map, cl, entry), offset);
                    }
                    sink.data(file, offset, n);
                } else {
                    fallThrough(pos, n, sink);
                }
            }
            pos += n;
        }
        if (end > mapped) {
            sink.zeros(end - Math.max(mapped, from));
        }
    }

    /** Names the L2 entry of guest cluster {@code cl} in messages; built only when one is needed. */
    private String where(L1Map map, long cl, long entry) {
        return String.format("%s: L2 entry for guest offset 0x%x (0x%016x)", map.where(), cl << header.clusterBits(),
                entry);
    }

    /** One cluster with extended L2: runs of subclusters in the same state, in order. */
    private void copySubclusters(long pos, int inCluster, int n, long host, long bitmap, String where,
            ExtentSink sink) throws IOException {
        long alloc = bitmap & 0xffff_ffffL;
        long zero = bitmap >>> 32;
        if ((alloc & zero) != 0) {
            throw new FormatException(where + String.format(": subcluster bitmap 0x%016x marks subclusters"
                    + " both allocated and zero", bitmap));
        }
        if (alloc != 0 && host == 0) {
            throw new FormatException(where + ": allocated subclusters without a host offset");
        }
        int sub = header.clusterSize() / Entries.SUBCLUSTERS;
        int at = inCluster;
        int stop = inCluster + n;
        while (at < stop) {
            int i = at / sub;
            int state = state(alloc, zero, i);
            int j = i + 1;
            while (j < Entries.SUBCLUSTERS && j * sub < stop && state(alloc, zero, j) == state) {
                j++;
            }
            int runEnd = Math.min(stop, j * sub);
            int len = runEnd - at;
            switch (state) {
                case 1 -> hostRange(host + at, len, where, sink);
                case 2 -> sink.zeros(len);
                default -> fallThrough(pos + (at - inCluster), len, sink);
            }
            at = runEnd;
        }
    }

    private static int state(long alloc, long zero, int i) {
        return (alloc >>> i & 1) != 0 ? 1 : (zero >>> i & 1) != 0 ? 2 : 0;
    }

    private void hostRange(long offset, long length, String where, ExtentSink sink) throws IOException {
        if (pastEnd(offset, length)) {
            throw pastEndError(where, offset);
        }
        sink.data(file, offset, length);
    }

    private boolean pastEnd(long offset, long length) {
        return offset >= Qcow2Limits.MAX_HOST_OFFSET || offset > fileLength - length;
    }

    private FormatException pastEndError(String where, long offset) {
        return new FormatException(where + ": data at host offset 0x" + Long.toHexString(offset)
                + " runs past the end of the file (" + fileLength + " bytes)");
    }

    private void fallThrough(long pos, long length, ExtentSink sink) throws IOException {
        if (backing == null) {
            sink.zeros(length);
        } else {
            backing.copy(backing.active, pos, length, sink);
        }
    }

    /** Decodes the compressed cluster of {@code entry}; the last one decoded is kept, for partial reads. */
    private byte[] decompress(long entry, String where, long bitmap) throws IOException {
        if (entry == clusterEntry) {
            return cluster;
        }
        if ((entry & Entries.COPIED) != 0) {
            throw new FormatException(where + ": compressed cluster with the COPIED bit set");
        }
        if (bitmap != 0) {
            throw new FormatException(where + ": compressed cluster with a non-zero subcluster bitmap");
        }
        int bits = header.clusterBits();
        long offset = Entries.compressedOffset(entry, bits);
        long span = Entries.compressedSpan(entry, bits);
        long readable = Entries.compressedReadable(offset, span, fileLength);
        if (readable < 0 || offset >= Qcow2Limits.MAX_HOST_OFFSET) {
            throw new FormatException(where + ": compressed data at 0x" + Long.toHexString(offset) + " (" + span
                    + " bytes) runs past the end of the file (" + fileLength + " bytes)");
        }
        if (decompressor == null) {
            decompressor = new Decompressor(header.compressionType(), header.clusterSize());
            compressedIn = new byte[2 * header.clusterSize()];
            cluster = new byte[header.clusterSize()];
        }
        clusterEntry = -1;
        Positional.readFully(file, ByteBuffer.wrap(compressedIn, 0, (int) readable), offset, where);
        decompressor.decompress(compressedIn, (int) readable, cluster, where);
        clusterEntry = entry;
        return cluster;
    }

    /** Closes the backing chain and the channels the resolver returned; the caller's channel stays open. */
    @Override
    public void close() throws IOException {
        try {
            if (decompressor != null) {
                decompressor.close();
            }
            if (backing != null) {
                backing.close();
            }
        } finally {
            if (ownedFile != null) {
                ownedFile.close();
            }
        }
    }
}
