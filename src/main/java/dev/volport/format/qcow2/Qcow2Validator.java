package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checks a whole qcow2 file before it is accepted by a {@code qcow2+size} import (hostile-inputs.md §2-§3,
 * image-formats.md A.16): the header against {@link Qcow2Limits} and the stream's size header, every table and
 * data offset aligned and inside the file, no overlap between metadata and data, no host cluster mapped twice
 * unless its refcount says it is shared, every cluster in use with a non-zero refcount, compressed spans inside
 * the file, and no backing file except the linked-clone form (reported, not followed; the caller decides).
 *
 * <p>Memory: five bitmaps of one bit per host cluster of the file, at most
 * {@link Qcow2Limits#MAX_VALIDATED_HOST_CLUSTERS} clusters (files up to 8 TiB with 64 KiB clusters; 80 MiB at
 * the limit), plus the refcount table (at most 8 MiB) and two clusters of buffers. Larger files are refused.
 * Images with the dirty bit are refused: their refcounts cannot be checked.
 */
public final class Qcow2Validator {
    /** The only backing file form volport accepts: a Proxmox linked clone's base in the same storage. */
    private static final Pattern LINKED_CLONE_BASE =
            Pattern.compile("\\.\\./([1-9][0-9]{0,8})/base-\\1-disk-(0|[1-9][0-9]{0,3})\\.qcow2");

    /**
     * What a valid image holds.
     *
     * @param header the parsed header
     * @param snapshots the internal snapshots
     * @param backingFileName the linked-clone base this image needs, if any (see {@link #isLinkedCloneBase})
     * @param dataClusters host clusters holding uncompressed guest data
     */
    public record Report(Qcow2Header header, List<Qcow2Snapshot> snapshots, Optional<String> backingFileName,
            long dataClusters) {
    }

    private Qcow2Validator() {
    }

    /**
     * Whether {@code name} is the relative linked-clone form {@code ../VMID/base-VMID-disk-N.qcow2} (same VMID
     * twice, no other path components), the only backing file name volport follows.
     */
    public static boolean isLinkedCloneBase(String name) {
        return LINKED_CLONE_BASE.matcher(name).matches();
    }

    /**
     * Validates the qcow2 file in {@code file} (its current length is the image).
     *
     * @param name the file or volume, for messages
     * @param declaredVirtualSize the virtual size from the {@code qcow2+size} stream header
     * @return what the image holds; a backing file in it is always of the linked-clone form
     * @throws FormatException naming the first problem found
     */
    public static Report validate(FileChannel file, String name, long declaredVirtualSize) throws IOException {
        return new Walk(file, name).run(declaredVirtualSize);
    }

    /** One validation: the bitmaps and buffers of one file. */
    private static final class Walk {
        private final FileChannel file;
        private final String name;
        private long fileLength;
        private Qcow2Header h;
        private int cs;
        private BitSet meta;
        private BitSet l2;
        private BitSet data;
        private BitSet comp;
        private BitSet multi;
        private ByteBuffer cluster;

        Walk(FileChannel file, String name) {
            this.file = file;
            this.name = name;
        }

        private FormatException fail(String what) {
            return new FormatException("qcow2 image " + name + ": " + what);
        }

        Report run(long declaredVirtualSize) throws IOException {
            fileLength = file.size();
            ByteBuffer cluster0 = ByteBuffer.allocate((int) Math.min(fileLength, 1 << Qcow2Limits.MAX_CLUSTER_BITS));
            Positional.readFully(file, cluster0, 0, "qcow2 header of " + name);
            h = Qcow2Header.parse(cluster0.flip(), fileLength, name);
            cs = h.clusterSize();
            if (h.dirty()) {
                throw fail("dirty bit set (refcounts may be stale after an unclean close); repair it with"
                        + " qemu-img check -r all first");
            }
            if (h.size() != declaredVirtualSize) {
                throw fail("virtual size " + h.size() + " differs from the stream's size header "
                        + declaredVirtualSize);
            }
            if (h.backingFileName().isPresent()) {
                String b = h.backingFileName().get();
                if (!isLinkedCloneBase(b)) {
                    throw fail("backing file '" + b + "' not allowed (only a linked-clone base"
                            + " ../VMID/base-VMID-disk-N.qcow2)");
                }
                if (h.backingFormat().isPresent() && !h.backingFormat().get().equals("qcow2")) {
                    throw fail("backing file format '" + h.backingFormat().get() + "' not allowed (only qcow2)");
                }
            }
            Qcow2Snapshot.Table snaps = h.nbSnapshots() == 0 ? new Qcow2Snapshot.Table(List.of(), 0)
                    : Qcow2Snapshot.readTable(file, h, fileLength, name);

            long clusters = (fileLength + cs - 1) / cs;
            if (clusters > Qcow2Limits.MAX_VALIDATED_HOST_CLUSTERS) {
                throw fail("file of " + fileLength + " bytes has " + clusters + " clusters; the validator checks at"
                        + " most " + Qcow2Limits.MAX_VALIDATED_HOST_CLUSTERS);
            }
            meta = new BitSet((int) clusters);
            l2 = new BitSet((int) clusters);
            data = new BitSet((int) clusters);
            comp = new BitSet((int) clusters);
            multi = new BitSet((int) clusters);
            cluster = ByteBuffer.allocate(cs).order(ByteOrder.BIG_ENDIAN);

            markMeta(0, cs, "header cluster");
            long reftableBytes = (long) h.refcountTableClusters() * cs;
            markMeta(h.refcountTableOffset(), reftableBytes, "refcount table");
            long[] reftable = readLongs(h.refcountTableOffset(), (int) (reftableBytes / 8), "refcount table");
            for (int i = 0; i < reftable.length; i++) {
                long e = reftable[i];
                if (e == 0) {
                    continue;
                }
                String what = String.format("refcount table entry %d (0x%x)", i, e);
                if ((e & Entries.REFTABLE_RESERVED) != 0) {
                    throw fail(what + " has reserved bits set");
                }
                checkCluster(e, what + ": refcount block");
                markMeta(e, cs, "refcount block of entry " + i);
            }
            markMeta(h.l1TableOffset(), h.l1Size() * 8L, "active L1 table");
            if (h.nbSnapshots() > 0) {
                markMeta(h.snapshotsOffset(), snaps.bytes(), "snapshot table");
                for (Qcow2Snapshot s : snaps.snapshots()) {
                    markMeta(s.l1TableOffset(), s.l1Size() * 8L, "L1 table of snapshot '" + s.name() + "'");
                }
            }
            if (h.bitmaps().isPresent()) {
                markMeta(h.bitmaps().get().directoryOffset(), h.bitmaps().get().directorySize(),
                        "bitmap directory");
            }
            walkL1(h.l1TableOffset(), h.l1Size(), "active L1 table");
            for (Qcow2Snapshot s : snaps.snapshots()) {
                walkL1(s.l1TableOffset(), s.l1Size(), "L1 table of snapshot '" + s.name() + "'");
            }
            checkRefcounts(reftable);
            return new Report(h, snaps.snapshots(), h.backingFileName(), data.cardinality());
        }

        /** Marks the clusters of a fixed metadata structure; any earlier use of them is an overlap. */
        private void markMeta(long offset, long bytes, String what) throws FormatException {
            if (bytes <= 0) {
                return;
            }
            // the last cluster may be partial (QEMU does not pad the file after the last structure)
            if (offset < 0 || offset >= fileLength || bytes > fileLength
                    || (offset + bytes - 1) / cs > (fileLength - 1) / cs) {
                throw fail(String.format("%s at 0x%x (%d bytes) lies outside the file (%d bytes)", what, offset,
                        bytes, fileLength));
            }
            for (long c = offset / cs; c <= (offset + bytes - 1) / cs; c++) {
                if (meta.get((int) c) || l2.get((int) c) || data.get((int) c) || comp.get((int) c)) {
                    throw fail(String.format("%s at 0x%x overlaps %s in host cluster 0x%x", what, offset,
                            kind((int) c), c * cs));
                }
                meta.set((int) c);
            }
        }

        private String kind(int c) {
            return meta.get(c) ? "other metadata" : l2.get(c) ? "an L2 table" : data.get(c) ? "a data cluster"
                    : comp.get(c) ? "compressed data" : "nothing";
        }

        /** Requires a cluster-aligned offset whose whole cluster lies in the file. */
        private void checkCluster(long offset, String what) throws FormatException {
            if (offset % cs != 0) {
                throw fail(String.format("%s at 0x%x not aligned to the cluster size %d", what, offset, cs));
            }
            if (offset >= Qcow2Limits.MAX_HOST_OFFSET || offset > fileLength - cs) {
                throw fail(String.format("%s at 0x%x past the end of the file (%d bytes)", what, offset,
                        fileLength));
            }
        }

        private long[] readLongs(long offset, int count, String what) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(count * 8).order(ByteOrder.BIG_ENDIAN);
            Positional.readFully(file, buf, offset, "qcow2 image " + name + ": " + what);
            long[] out = new long[count];
            buf.flip().asLongBuffer().get(out);
            return out;
        }

        private void walkL1(long offset, int size, String label) throws IOException {
            for (int start = 0; start < size; start += L1Map.WINDOW) {
                long[] window = readLongs(offset + start * 8L, Math.min(L1Map.WINDOW, size - start), label);
                for (int k = 0; k < window.length; k++) {
                    long e = window[k];
                    String what = String.format("%s entry %d (0x%016x)", label, start + k, e);
                    if ((e & Entries.L1_RESERVED) != 0) {
                        throw fail(what + " has reserved bits set");
                    }
                    long off = e & Entries.OFFSET_MASK;
                    if (off == 0) {
                        continue;
                    }
                    checkCluster(off, what + ": L2 table");
                    int c = (int) (off / cs);
                    if (meta.get(c) || data.get(c) || comp.get(c)) {
                        throw fail(String.format("%s: L2 table at 0x%x overlaps %s", what, off, kind(c)));
                    }
                    if (l2.get(c)) {
                        multi.set(c);
                        continue;
                    }
                    l2.set(c);
                    Positional.readFully(file, cluster.clear(), off, "qcow2 image " + name + ": " + what);
                    walkL2(cluster.flip(), String.format("L2 table at 0x%x", off));
                }
            }
        }

        private void walkL2(ByteBuffer table, String label) throws FormatException {
            boolean ext = h.extendedL2();
            int entries = h.l2Entries();
            int sub = cs / Entries.SUBCLUSTERS;
            for (int j = 0; j < entries; j++) {
                long e = table.getLong(ext ? 16 * j : 8 * j);
                long bitmap = ext ? table.getLong(16 * j + 8) : 0;
                String what = String.format("%s entry %d (0x%016x)", label, j, e);
                if ((e & Entries.COMPRESSED) != 0) {
                    compressed(e, bitmap, what);
                    continue;
                }
                if ((e & Entries.L2_RESERVED) != 0 || (ext && (e & Entries.ZERO_FLAG) != 0)) {
                    throw fail(what + " has reserved bits set");
                }
                if (h.version() < 3 && (e & Entries.ZERO_FLAG) != 0) {
                    throw fail(what + ": zero flag in a version 2 image");
                }
                long alloc = bitmap & 0xffff_ffffL;
                if (ext && (alloc & (bitmap >>> 32)) != 0) {
                    throw fail(what + String.format(": subcluster bitmap 0x%016x marks subclusters both allocated"
                            + " and zero", bitmap));
                }
                long host = e & Entries.OFFSET_MASK;
                if (host == 0) {
                    if ((e & Entries.COPIED) != 0 || alloc != 0) {
                        throw fail(what + ": COPIED bit or allocated subclusters without a host offset");
                    }
                    continue;
                }
                if (host % cs != 0) {
                    throw fail(String.format("%s: host offset 0x%x not aligned to the cluster size %d", what, host,
                            cs));
                }
                long used = ext && alloc != 0 ? (long) (64 - Long.numberOfLeadingZeros(alloc)) * sub : cs;
                if (host >= Qcow2Limits.MAX_HOST_OFFSET || host > fileLength - used) {
                    throw fail(String.format("%s: data cluster at 0x%x past the end of the file (%d bytes)", what,
                            host, fileLength));
                }
                int c = (int) (host / cs);
                if (meta.get(c) || l2.get(c) || comp.get(c)) {
                    throw fail(String.format("%s: data cluster at 0x%x overlaps %s", what, host, kind(c)));
                }
                if (data.get(c)) {
                    multi.set(c);
                }
                data.set(c);
            }
        }

        private void compressed(long e, long bitmap, String what) throws FormatException {
            if ((e & Entries.COPIED) != 0) {
                throw fail(what + ": compressed cluster with the COPIED bit set");
            }
            if (bitmap != 0) {
                throw fail(what + ": compressed cluster with a non-zero subcluster bitmap");
            }
            long off = Entries.compressedOffset(e, h.clusterBits());
            long span = Entries.compressedSpan(e, h.clusterBits());
            long readable = Entries.compressedReadable(off, span, fileLength);
            if (readable < 0 || off >= Qcow2Limits.MAX_HOST_OFFSET) {
                throw fail(String.format("%s: compressed data at 0x%x (%d bytes) runs past the end of the file"
                        + " (%d bytes)", what, off, span, fileLength));
            }
            for (long c = off / cs; c <= (off + readable - 1) / cs; c++) {
                if (meta.get((int) c) || l2.get((int) c) || data.get((int) c)) {
                    throw fail(String.format("%s: compressed data at 0x%x overlaps %s", what, off, kind((int) c)));
                }
                comp.set((int) c);
            }
        }

        /** Every cluster in use needs a refcount above 0, and above 1 when it is mapped more than once. */
        private void checkRefcounts(long[] reftable) throws IOException {
            BitSet used = (BitSet) meta.clone();
            used.or(l2);
            used.or(data);
            used.or(comp);
            int width = h.refcountBits();
            long perBlock = (long) cs * 8 / width;
            long loaded = -1;
            for (int c = used.nextSetBit(0); c >= 0; c = used.nextSetBit(c + 1)) {
                long ti = c / perBlock;
                long block = ti < reftable.length ? reftable[(int) ti] & ~Entries.REFTABLE_RESERVED : 0;
                String what = String.format("host cluster 0x%x (%s)", (long) c * cs, kindOfUse(c));
                if (block == 0) {
                    throw fail(what + " is in use but has refcount 0 (no refcount block)");
                }
                if (ti != loaded) {
                    Positional.readFully(file, cluster.clear(), block, "qcow2 image " + name + ": refcount block");
                    loaded = ti;
                }
                long rc = refcount(cluster, (int) (c % perBlock), width);
                if (rc == 0) {
                    throw fail(what + " is in use but has refcount 0");
                }
                if (multi.get(c) && rc == 1) {
                    throw fail(what + " is mapped more than once but its refcount is 1");
                }
            }
        }

        private String kindOfUse(int c) {
            return meta.get(c) ? "metadata" : l2.get(c) ? "L2 table" : data.get(c) ? "data" : "compressed data";
        }

        /** Entry {@code i} of a refcount block of {@code width}-bit big-endian entries (LSB first below 8 bits). */
        static long refcount(ByteBuffer block, int i, int width) {
            if (width < 8) {
                long bit = (long) i * width;
                int b = block.get((int) (bit / 8)) & 0xff;
                return (b >>> (bit % 8)) & ((1 << width) - 1);
            }
            return switch (width) {
                case 8 -> block.get(i) & 0xffL;
                case 16 -> block.getShort(i * 2) & 0xffffL;
                case 32 -> block.getInt(i * 4) & 0xffff_ffffL;
                default -> block.getLong(i * 8);
            };
        }
    }
}
