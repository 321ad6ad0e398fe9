package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Internal snapshots of a qcow2 file, written natively (qcow2.txt "Snapshots" and "Host cluster management";
 * image-formats.md A.9-A.10): list, create, delete and revert, with the refcounts, COPIED bits, snapshot table
 * and header kept as {@code qemu-img check} expects them. The image may come from volport's writer or from
 * {@code qemu-img} (versions 2 and 3, any cluster size, every refcount width, existing snapshots, compressed and
 * zero clusters, extended L2 entries); images with the dirty bit, the corrupt bit, persistent bitmaps,
 * encryption or an external data file are refused before anything is written, as is anything malformed met on
 * the way (every table an operation touches is checked before its first write).
 *
 * <p>New clusters are appended at the end of the file; clusters an operation frees get refcount 0 and stay in
 * the file as free space (QEMU reuses it; volport does not search for it, so the file does not shrink). A new
 * snapshot is disk-only: vm_state_size 0, vm_clock 0, and 24 bytes of extra data (the disk size, icount -1).
 *
 * <p><b>Write order: one switch.</b> An operation never writes to a cluster the current header reaches. It first
 * plans everything in memory, with every check, and then writes only new clusters at the end of the file: a new
 * active L1 table, copies of the L2 tables whose COPIED bits must change, the new snapshot table, a new copy of
 * every refcount block it changes and a new refcount table (the clusters the old copies leave get refcount 0 in
 * the new ones); it flushes ({@code fsync}); then it makes the new state current with one write of the header's
 * fields from offset 24 to 96 (72 in version 2), which lie in the file's first 512-byte sector, and flushes again.
 * Interrupted before that write, the image is exactly as it was (the new clusters are free space past its old
 * end); after it, exactly the new state: no leaked cluster, no COPIED bit that disagrees with a refcount. A
 * failure before the switch also truncates the file back to its old length.
 *
 * <p>Create makes the current L1 table (with its L2 tables) the snapshot's and gives the current state a new
 * L1; delete and revert keep the current L1 only when none of its entries changes. Each operation copies the
 * changed refcount blocks and the refcount table, so it adds their size to the file.
 *
 * <p>The caller must make sure nothing else (QEMU, another volport) has the image open while an operation runs,
 * and passes a channel open for reading and writing; the channel stays the caller's.
 */
public final class Qcow2Snapshots {
    /** The reference's snapshot name rule (pve-storage.md §2), as {@code volume.SnapshotName} states it. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9_\\-]{1,40}");

    private static final String ACTIVE = "active L1 table";

    private final FileChannel file;
    private final String name;

    /**
     * @param file the image, open for reading and writing
     * @param name the file or volume, named in every message
     */
    public Qcow2Snapshots(FileChannel file, String name) {
        this.file = file;
        this.name = name;
    }

    /**
     * The snapshots in table order.
     *
     * @throws FormatException for a malformed header or snapshot table
     */
    public List<Qcow2Snapshot> list() throws IOException {
        return Image.read(file, name).table.snapshots();
    }

    /** As {@link #create(String, Optional, Instant)} with the next free numeric id. */
    public Qcow2Snapshot create(String snapshotName, Instant now) throws IOException {
        return create(snapshotName, Optional.empty(), now);
    }

    /**
     * Takes a disk-only snapshot of the current state.
     *
     * @param snapshotName 1 to 40 of {@code a-z A-Z 0-9 _ -}, not used by another snapshot of the image
     * @param id the snapshot's id; by default one more than the largest numeric id, as QEMU numbers them
     * @param now the snapshot's date, between 1970 and 2106 (32-bit seconds)
     * @return the snapshot as written
     * @throws FormatException for an invalid or used name or id, too many snapshots, or a refused image
     */
    public Qcow2Snapshot create(String snapshotName, Optional<String> id, Instant now) throws IOException {
        checkName(snapshotName);
        Image img = Image.read(file, name).forWriting();
        List<Qcow2Snapshot> snaps = img.table.snapshots();
        for (Qcow2Snapshot s : snaps) {
            if (s.name().equals(snapshotName)) {
                throw img.fail("a snapshot named '" + snapshotName + "' exists already (id " + s.id() + ")");
            }
        }
        if (snaps.size() >= Qcow2Limits.MAX_SNAPSHOTS) {
            throw img.fail("has " + snaps.size() + " snapshots, the most qcow2 allows");
        }
        String newId = id.isPresent() ? checkId(img, id.get(), snaps) : nextId(snaps);
        if (now.getEpochSecond() < 0 || now.getEpochSecond() > 0xffff_ffffL) {
            throw img.fail("snapshot date " + now + " outside the 32-bit seconds of qcow2 (1970 to 2106)");
        }
        Qcow2Header h = img.header;
        ReferenceWalk walk = img.walk();
        RefcountEditor rc = img.refcounts();
        long[] old = walk.readL1(h.l1TableOffset(), h.l1Size(), ACTIVE);
        // The current L1 table becomes the snapshot's; a new active L1 reaches everything once more.
        walk.walk(old, ACTIVE, (off, len, what) -> rc.addRange(off, len, 1, true, what));
        long[] active = old.clone();
        long[] copies = walk.planActive(active, rc, ACTIVE);
        long l1Offset = active.length == 0 ? h.l1TableOffset() : rc.allocate(active.length * 8L, ACTIVE);
        Qcow2Snapshot snap = SnapshotTableCodec.snapshot(newId, snapshotName,
                active.length == 0 ? 0 : h.l1TableOffset(), h.l1Size(), h.size(), now);
        List<byte[]> entries = new ArrayList<>(img.rawEntries);
        entries.add(SnapshotTableCodec.encode(snap));
        ByteBuffer table = img.checkedTable(entries);
        long tableOffset = rc.allocate(table.remaining(), "snapshot table");
        img.releaseOldTable(rc);
        rc.commit();
        img.apply(rc, () -> {
            walk.writeCopies(old, copies, rc, ACTIVE);
            img.writeClusters(l1Buffer(active), l1Offset);
            img.writeClusters(table, tableOffset);
        }, hdr -> hdr.putLong(40, l1Offset).putInt(60, entries.size()).putLong(64, tableOffset));
        return snap;
    }

    /**
     * Deletes a snapshot, found by name, else by id; its clusters no other state uses become free.
     *
     * @return the snapshot deleted
     * @throws FormatException when there is no such snapshot, the name is ambiguous, or the image is refused
     */
    public Qcow2Snapshot delete(String nameOrId) throws IOException {
        Image img = Image.read(file, name).forWriting();
        int index = img.find(nameOrId);
        Qcow2Snapshot target = img.table.snapshots().get(index);
        String label = "L1 table of snapshot '" + target.name() + "'";
        Qcow2Header h = img.header;
        ReferenceWalk walk = img.walk();
        RefcountEditor rc = img.refcounts();
        long[] l1 = walk.readL1(target.l1TableOffset(), target.l1Size(), label);
        release(walk, rc, l1, target.l1TableOffset(), label);
        List<byte[]> entries = new ArrayList<>(img.rawEntries);
        entries.remove(index);
        ByteBuffer table = img.checkedTable(entries);
        long tableOffset = entries.isEmpty() ? 0 : rc.allocate(table.remaining(), "snapshot table");
        img.releaseOldTable(rc);
        // What the snapshot shared may have refcount 1 now: COPIED goes back on in the current state.
        long[] old = walk.readL1(h.l1TableOffset(), h.l1Size(), ACTIVE);
        long[] active = old.clone();
        long[] copies = walk.planActive(active, rc, ACTIVE);
        boolean newL1 = !Arrays.equals(old, active);
        long l1Offset = h.l1TableOffset();
        if (newL1) {
            l1Offset = rc.allocate(active.length * 8L, ACTIVE);
            rc.addRange(h.l1TableOffset(), active.length * 8L, -1, true, "previous " + ACTIVE);
        }
        rc.commit();
        long newL1Offset = l1Offset;
        img.apply(rc, () -> {
            walk.writeCopies(old, copies, rc, ACTIVE);
            if (newL1) {
                img.writeClusters(l1Buffer(active), newL1Offset);
            }
            img.writeClusters(table, tableOffset);
        }, hdr -> hdr.putLong(40, newL1Offset).putInt(60, entries.size()).putLong(64, tableOffset));
        return target;
    }

    /**
     * Makes the current state a copy of a snapshot (found by name, else by id), which stays; the virtual size
     * becomes the snapshot's. What only the previous current state used becomes free.
     *
     * @return the snapshot reverted to
     * @throws FormatException when there is no such snapshot, the name is ambiguous, or the image is refused
     */
    public Qcow2Snapshot revert(String nameOrId) throws IOException {
        Image img = Image.read(file, name).forWriting();
        Qcow2Snapshot target = img.table.snapshots().get(img.find(nameOrId));
        String label = "L1 table of snapshot '" + target.name() + "'";
        Qcow2Header h = img.header;
        ReferenceWalk walk = img.walk();
        RefcountEditor rc = img.refcounts();
        // Increments first, so that no refcount passes through 0 on the way.
        long[] l1 = walk.readL1(target.l1TableOffset(), target.l1Size(), label);
        walk.walk(l1, label, (off, len, what) -> rc.addRange(off, len, 1, true, what));
        long[] old = walk.readL1(h.l1TableOffset(), h.l1Size(), ACTIVE);
        release(walk, rc, old, h.l1TableOffset(), "previous " + ACTIVE);
        long[] active = l1.clone();
        long[] copies = walk.planActive(active, rc, label);
        long l1Offset = active.length == 0 ? 0 : rc.allocate(active.length * 8L, ACTIVE);
        rc.commit();
        img.apply(rc, () -> {
            walk.writeCopies(l1, copies, rc, label);
            img.writeClusters(l1Buffer(active), l1Offset);
        }, hdr -> hdr.putLong(24, target.virtualSize()).putInt(36, active.length).putLong(40, l1Offset));
        return target;
    }

    /** One reference less for everything {@code l1} reaches and for the clusters of the table itself. */
    private static void release(ReferenceWalk walk, RefcountEditor rc, long[] l1, long l1Offset, String label)
            throws IOException {
        walk.walk(l1, label, (off, len, what) -> rc.addRange(off, len, -1, true, what));
        if (l1.length > 0) {
            rc.addRange(l1Offset, l1.length * 8L, -1, true, label);
        }
    }

    /** {@code l1} as big-endian bytes. */
    private static ByteBuffer l1Buffer(long[] l1) {
        ByteBuffer b = ByteBuffer.allocate(l1.length * 8).order(ByteOrder.BIG_ENDIAN);
        b.asLongBuffer().put(l1);
        return b;
    }

    private void checkName(String snapshotName) throws FormatException {
        if (!NAME.matcher(snapshotName).matches()) {
            throw new FormatException("qcow2 image " + name + ": invalid snapshot name '" + excerpt(snapshotName)
                    + "': expected ^[a-z0-9_\\-]{1,40}$ (case-insensitive)");
        }
    }

    private static String checkId(Image img, String id, List<Qcow2Snapshot> snaps) throws FormatException {
        int bytes = id.getBytes(StandardCharsets.UTF_8).length;
        if (bytes == 0 || bytes > Qcow2Limits.MAX_SNAPSHOT_ID_LENGTH) {
            throw img.fail("snapshot id '" + excerpt(id) + "' must have 1 to " + Qcow2Limits.MAX_SNAPSHOT_ID_LENGTH
                    + " bytes");
        }
        for (Qcow2Snapshot s : snaps) {
            if (s.id().equals(id)) {
                throw img.fail("snapshot id '" + id + "' is used already (by '" + s.name() + "')");
            }
        }
        return id;
    }

    /** One more than the largest id made of decimal digits only, QEMU's rule. */
    private static String nextId(List<Qcow2Snapshot> snaps) {
        long max = 0;
        for (Qcow2Snapshot s : snaps) {
            if (s.id().matches("[0-9]{1,18}")) {
                max = Math.max(max, Long.parseLong(s.id()));
            }
        }
        return Long.toString(max + 1);
    }

    /** At most 60 characters of a user's text, control characters replaced, for messages. */
    static String excerpt(String text) {
        String cut = text.length() > 60 ? text.substring(0, 60) + "..." : text;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }

    /** Probes that {@code file} can be written; a read-only channel is the caller's mistake. */
    static void requireWritable(FileChannel file) throws IOException {
        try {
            file.write(ByteBuffer.allocate(0), 0);
        } catch (NonWritableChannelException e) {
            throw new IllegalArgumentException("the image channel must be open for writing", e);
        }
    }
}
