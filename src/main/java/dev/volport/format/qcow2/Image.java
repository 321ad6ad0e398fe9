package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One qcow2 file as {@link Qcow2Snapshots} changes it: the header and snapshot table as read at the start of an
 * operation, and the writes an operation makes to the file.
 */
final class Image {
    final FileChannel file;
    final String name;
    final long fileLength;
    final Qcow2Header header;
    /** The fixed header fields as found (72 bytes for version 2, 104 for version 3), patched by the switch. */
    private final ByteBuffer fixed;
    final Qcow2Snapshot.Table table;
    final List<byte[]> rawEntries;

    private Image(FileChannel file, String name, long fileLength, Qcow2Header header, ByteBuffer fixed,
            Qcow2Snapshot.Table table, List<byte[]> rawEntries) {
        this.file = file;
        this.name = name;
        this.fileLength = fileLength;
        this.header = header;
        this.fixed = fixed;
        this.table = table;
        this.rawEntries = rawEntries;
    }

    /** Reads and checks the header and the snapshot table. */
    static Image read(FileChannel file, String name) throws IOException {
        long fileLength = file.size();
        ByteBuffer cluster0 = ByteBuffer.allocate((int) Math.min(fileLength, 1 << Qcow2Limits.MAX_CLUSTER_BITS));
        Positional.readFully(file, cluster0, 0, "qcow2 header of " + name);
        Qcow2Header h = Qcow2Header.parse(cluster0.flip(), fileLength, name);
        int fixedLength = h.version() == 2 ? Qcow2Header.V2_HEADER_LENGTH : Qcow2Header.V3_MIN_HEADER_LENGTH;
        ByteBuffer fixed = ByteBuffer.allocate(fixedLength).order(ByteOrder.BIG_ENDIAN);
        fixed.put(0, cluster0, 0, fixedLength);
        Qcow2Snapshot.Table table = h.nbSnapshots() == 0 ? new Qcow2Snapshot.Table(List.of(), 0)
                : Qcow2Snapshot.readTable(file, h, fileLength, name);
        List<byte[]> raw = SnapshotTableCodec.rawEntries(file, h.snapshotsOffset(), table, "qcow2 image " + name);
        return new Image(file, name, fileLength, h, fixed, table, List.copyOf(raw));
    }

    /** This image, after the checks that only writing needs. */
    Image forWriting() throws IOException {
        Qcow2Snapshots.requireWritable(file);
        if (header.dirty()) {
            throw fail("dirty bit set (refcounts may be stale after an unclean close); repair it with qemu-img"
                    + " check -r all before changing snapshots");
        }
        if (header.bitmaps().isPresent()) {
            throw fail("has " + header.bitmaps().get().nbBitmaps() + " persistent dirty bitmap(s), which volport"
                    + " does not update; remove them (qemu-img bitmap --remove) before changing snapshots");
        }
        return this;
    }

    FormatException fail(String what) {
        return new FormatException("qcow2 image " + name + ": " + what);
    }

    RefcountEditor refcounts() throws IOException {
        return new RefcountEditor(file, header, fileLength, "qcow2 image " + name);
    }

    ReferenceWalk walk() {
        return new ReferenceWalk(file, header, fileLength, "qcow2 image " + name);
    }

    /**
     * The index of the snapshot named {@code nameOrId}, else of the one with that id.
     *
     * @throws FormatException when there is none, or several share the name
     */
    int find(String nameOrId) throws FormatException {
        List<Qcow2Snapshot> snaps = table.snapshots();
        List<Integer> named = new ArrayList<>();
        for (int i = 0; i < snaps.size(); i++) {
            if (snaps.get(i).name().equals(nameOrId)) {
                named.add(i);
            }
        }
        if (named.size() > 1) {
            throw fail("several snapshots are named '" + nameOrId + "' (ids " + String.join(", ",
                    named.stream().map(i -> snaps.get(i).id()).toList()) + "); give the id instead");
        }
        if (named.size() == 1) {
            return named.getFirst();
        }
        for (int i = 0; i < snaps.size(); i++) {
            if (snaps.get(i).id().equals(nameOrId)) {
                return i;
            }
        }
        throw fail("no snapshot '" + Qcow2Snapshots.excerpt(nameOrId) + "' (neither a name nor an id of its "
                + snaps.size() + " snapshots)");
    }

    /**
     * The table of {@code entries}, checked against {@link Qcow2Limits#MAX_SNAPSHOT_TABLE_BYTES}.
     */
    ByteBuffer checkedTable(List<byte[]> entries) throws FormatException {
        long bytes = 0;
        for (byte[] e : entries) {
            bytes += e.length;
        }
        if (bytes > Qcow2Limits.MAX_SNAPSHOT_TABLE_BYTES) {
            throw fail("the snapshot table would take " + bytes + " bytes, more than the "
                    + Qcow2Limits.MAX_SNAPSHOT_TABLE_BYTES + " qcow2 allows");
        }
        return SnapshotTableCodec.join(entries);
    }

    /** Writes {@code data} at {@code offset} and zeros up to the end of its last cluster. */
    void writeClusters(ByteBuffer data, long offset) throws IOException {
        int cs = header.clusterSize();
        int length = data.remaining();
        writeAt(data, offset);
        int pad = (cs - length % cs) % cs;
        if (pad > 0) {
            writeAt(ByteBuffer.allocate(pad), offset + length);
        }
    }

    void writeAt(ByteBuffer data, long offset) throws IOException {
        long at = offset;
        while (data.hasRemaining()) {
            at += file.write(data, at);
        }
    }

    void flush() throws IOException {
        file.force(true);
    }

    /** The writes of an operation, all to new clusters. */
    @FunctionalInterface
    interface Writes {
        void run() throws IOException;
    }

    /**
     * Writes an operation's new clusters ({@code writes}, then the refcounts of {@code rc}, already committed),
     * flushes, and switches: patches the header fields from offset 24 with {@code patch} (offsets as in qcow2.txt
     * "Header"), points them at {@code rc}'s new refcount table, clears the autoclear bits (qcow2.txt: a writer
     * that does not know them must), and writes them in one write to the first sector; then flushes. When
     * anything fails before the header is written, the file is cut back to its old length.
     */
    void apply(RefcountEditor rc, Writes writes, Consumer<ByteBuffer> patch) throws IOException {
        ByteBuffer h = fixed.duplicate().order(ByteOrder.BIG_ENDIAN);
        patch.accept(h);
        h.putLong(48, rc.tableOffset()).putInt(56, rc.tableClusters());
        if (header.version() >= 3) {
            h.putLong(88, 0);
        }
        boolean switching = false;
        try {
            writes.run();
            rc.write();
            flush();
            switching = true;
            writeAt(h.limit(Math.min(h.capacity(), 96)).position(24), 24);
            flush();
        } catch (IOException | RuntimeException e) {
            if (!switching) {
                try {
                    file.truncate(fileLength);
                } catch (IOException | RuntimeException t) {
                    e.addSuppressed(t);
                }
            }
            throw e;
        }
    }

    /** One reference less for the clusters of the snapshot table as read, once the header points elsewhere. */
    void releaseOldTable(RefcountEditor rc) throws IOException {
        if (header.nbSnapshots() > 0) {
            rc.addRange(header.snapshotsOffset(), table.bytes(), -1, true, "previous snapshot table");
        }
    }
}
