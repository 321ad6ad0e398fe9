package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Walks the clusters one L1 table reaches, the way {@code qemu-img check} counts references (qcow2.txt "Host
 * cluster management"): each L2 table once per L1 entry pointing at it, each data cluster with a host offset
 * (also a preallocated zero cluster) once per L2 entry, and each compressed cluster as every host cluster its
 * span of 512-byte sectors touches. Unallocated L2 ranges, unallocated entries and zero clusters without a host
 * offset reach nothing. Every entry used is checked first (reserved bits, alignment, inside the file), so a
 * malformed table is refused before anything is written.
 *
 * <p>It also makes the COPIED bits of a future active L1 table and its L2 tables agree with the refcounts
 * ({@link #planActive}): set exactly where the refcount is 1, never on compressed or unallocated entries.
 */
final class ReferenceWalk {
    /** Receives one reference: the byte range [offset, offset + length) is referenced once more. */
    @FunctionalInterface
    interface Visitor {
        void reference(long offset, long length, String what) throws IOException;
    }

    private final FileChannel file;
    private final Qcow2Header h;
    private final long fileLength;
    private final String where;
    private final int cs;
    private final ByteBuffer l2;

    ReferenceWalk(FileChannel file, Qcow2Header h, long fileLength, String where) {
        this.file = file;
        this.h = h;
        this.fileLength = fileLength;
        this.where = where;
        this.cs = h.clusterSize();
        this.l2 = ByteBuffer.allocate(cs).order(ByteOrder.BIG_ENDIAN);
    }

    /** Reads an L1 table of {@code size} entries (at most {@link Qcow2Limits#MAX_L1_BYTES}). */
    long[] readL1(long offset, int size, String label) throws IOException {
        long[] out = new long[size];
        if (size == 0) {
            return out;
        }
        ByteBuffer buf = ByteBuffer.allocate(size * 8).order(ByteOrder.BIG_ENDIAN);
        Positional.readFully(file, buf, offset, where + ": " + label);
        buf.flip().asLongBuffer().get(out);
        return out;
    }

    /** Calls {@code v} for every reference from {@code l1} and the L2 tables it points at. */
    void walk(long[] l1, String label, Visitor v) throws IOException {
        boolean ext = h.extendedL2();
        int entries = h.l2Entries();
        String l2What = "L2 table of " + label;
        String compressedWhat = "compressed data of " + label;
        String dataWhat = "data of " + label;
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = l2Offset(l1[i], i, label);
            if (l2Offset == 0) {
                continue;
            }
            v.reference(l2Offset, cs, l2What);
            readL2(l2Offset, label);
            for (int j = 0; j < entries; j++) {
                long e = l2.getLong(ext ? 16 * j : 8 * j);
                if ((e & Entries.COMPRESSED) != 0) {
                    long[] span = compressed(e, l2Offset, j);
                    v.reference(span[0], span[1], compressedWhat);
                } else {
                    long host = host(e, l2Offset, j);
                    if (host != 0) {
                        v.reference(host, cs, dataWhat);
                    }
                }
            }
        }
    }

    /**
     * Makes {@code l1}, the future active L1 table, agree with the final refcounts in {@code rc}: COPIED exactly
     * where a refcount is 1 (qcow2.txt "Cluster mapping"). An L2 table with a wrong COPIED bit in an entry is not
     * changed in place (the current state or a snapshot may use it): a copy is allocated in {@code rc} for it, the
     * L1 entry points at the copy, and the original loses that reference. The entries of {@code l1} are updated in
     * the array; the copies are written by {@link #writeCopies}.
     *
     * @return the new cluster of each L1 index's copied L2 table, 0 where the table is kept
     */
    long[] planActive(long[] l1, RefcountEditor rc, String label) throws IOException {
        boolean ext = h.extendedL2();
        int entries = h.l2Entries();
        long[] copies = new long[l1.length];
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = l2Offset(l1[i], i, label);
            if (l2Offset == 0) {
                continue;
            }
            readL2(l2Offset, label);
            for (int j = 0; j < entries; j++) {
                long e = l2.getLong(ext ? 16 * j : 8 * j);
                if ((e & Entries.COMPRESSED) != 0) {
                    continue;
                }
                long host = host(e, l2Offset, j);
                if (host != 0 && copied(e, rc.get(host / cs)) != e) {
                    copies[i] = rc.allocate(cs, "copy of an L2 table of " + label);
                    rc.addRange(l2Offset, cs, -1, true, "L2 table of " + label);
                    l1[i] = copies[i];
                    break;
                }
            }
        }
        // Only now are the L2 tables' own refcounts final.
        for (int i = 0; i < l1.length; i++) {
            long l2Offset = l1[i] & Entries.OFFSET_MASK;
            if (l2Offset != 0) {
                l1[i] = copied(l1[i], rc.get(l2Offset / cs));
            }
        }
        return copies;
    }

    /**
     * Writes the copies {@link #planActive} planned: each the L2 table {@code original} pointed at, with COPIED
     * set exactly where the final refcount is 1.
     */
    void writeCopies(long[] original, long[] copies, RefcountEditor rc, String label) throws IOException {
        boolean ext = h.extendedL2();
        int entries = h.l2Entries();
        for (int i = 0; i < original.length; i++) {
            if (copies[i] == 0) {
                continue;
            }
            long l2Offset = l2Offset(original[i], i, label);
            readL2(l2Offset, label);
            for (int j = 0; j < entries; j++) {
                int at = ext ? 16 * j : 8 * j;
                long e = l2.getLong(at);
                long host = (e & Entries.COMPRESSED) != 0 ? 0 : host(e, l2Offset, j);
                if (host != 0) {
                    l2.putLong(at, copied(e, rc.get(host / cs)));
                }
            }
            l2.clear();
            long pos = copies[i];
            while (l2.hasRemaining()) {
                pos += file.write(l2, pos);
            }
        }
    }

    /** {@code entry} with COPIED set when {@code refcount} is 1 and cleared otherwise. */
    private static long copied(long entry, long refcount) {
        return refcount == 1 ? entry | Entries.COPIED : entry & ~Entries.COPIED;
    }

    private long l2Offset(long entry, int index, String label) throws FormatException {
        String what = String.format("%s: %s entry %d (0x%016x)", where, label, index, entry);
        if ((entry & Entries.L1_RESERVED) != 0) {
            throw new FormatException(what + " has reserved bits set");
        }
        long offset = entry & Entries.OFFSET_MASK;
        if (offset != 0 && (offset < cs || offset > fileLength - cs)) {
            throw new FormatException(what + ": L2 table at 0x" + Long.toHexString(offset)
                    + " is in the header cluster or past the end of the file (" + fileLength + " bytes)");
        }
        return offset;
    }

    private void readL2(long offset, String label) throws IOException {
        Positional.readFully(file, l2.clear(), offset, String.format("%s: L2 table at 0x%x of %s", where, offset,
                label));
    }

    /** The host offset of a standard entry, 0 when none; checked to be an aligned cluster inside the file. */
    private long host(long e, long l2Offset, int j) throws FormatException {
        if ((e & Entries.L2_RESERVED) != 0) {
            throw new FormatException(entry(l2Offset, j, e) + " has reserved bits set");
        }
        long host = e & Entries.OFFSET_MASK;
        if (host != 0 && (host % cs != 0 || host >= fileLength)) {
            throw new FormatException(entry(l2Offset, j, e) + ": data cluster at 0x" + Long.toHexString(host)
                    + " is not aligned to the cluster size " + cs + " or past the end of the file (" + fileLength
                    + " bytes)");
        }
        return host;
    }

    /** {offset, length} of a compressed span, checked to start inside the file. */
    private long[] compressed(long e, long l2Offset, int j) throws FormatException {
        if ((e & Entries.COPIED) != 0) {
            throw new FormatException(entry(l2Offset, j, e) + ": compressed cluster with the COPIED bit set");
        }
        long offset = Entries.compressedOffset(e, h.clusterBits());
        long span = Entries.compressedSpan(e, h.clusterBits());
        if (Entries.compressedReadable(offset, span, fileLength) < 0) {
            throw new FormatException(entry(l2Offset, j, e) + ": compressed data at 0x" + Long.toHexString(offset)
                    + " runs past the end of the file (" + fileLength + " bytes)");
        }
        return new long[] {offset, span};
    }

    private String entry(long l2Offset, int j, long e) {
        return String.format("%s: L2 table at 0x%x entry %d (0x%016x)", where, l2Offset, j, e);
    }
}
