package dev.volport.format.qcow2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The bytes of snapshot table entries (qcow2.txt "Snapshots"; image-formats.md A.10): existing entries are kept
 * byte for byte (with extra data volport does not know), new ones are encoded here.
 */
final class SnapshotTableCodec {
    /** Extra data written: vm_state_size_large, disk size, icount (qcow2.txt "Snapshots", QEMU 5.0 and later). */
    static final int EXTRA_DATA = 24;
    /** The icount of a snapshot taken without instruction counting. */
    static final long NO_ICOUNT = -1;

    private SnapshotTableCodec() {
    }

    /**
     * The entries of a table already checked by {@link Qcow2Snapshot#readTable}, each with its padding to 8
     * bytes, in table order.
     */
    static List<byte[]> rawEntries(FileChannel file, long offset, Qcow2Snapshot.Table table, String where)
            throws IOException {
        List<byte[]> out = new ArrayList<>(table.snapshots().size());
        if (table.snapshots().isEmpty()) {
            return out;
        }
        ByteBuffer all = ByteBuffer.allocate((int) table.bytes()).order(ByteOrder.BIG_ENDIAN);
        // QEMU does not write the last entry's padding when the table ends the file: it reads as zeros.
        all.limit((int) Math.min(table.bytes(), file.size() - offset));
        Positional.readFully(file, all, offset, where + ": snapshot table");
        all.clear();
        int pos = 0;
        for (int i = 0; i < table.snapshots().size(); i++) {
            int idSize = all.getShort(pos + 12) & 0xffff;
            int nameSize = all.getShort(pos + 14) & 0xffff;
            int extra = all.getInt(pos + 36);
            int length = padded(Qcow2Snapshot.ENTRY_HEADER + extra + idSize + nameSize);
            byte[] entry = new byte[length];
            all.get(pos, entry);
            out.add(entry);
            pos += length;
        }
        return out;
    }

    /** A disk-only entry (vm_state_size 0, vm_clock 0) for a new snapshot, padded to 8 bytes. */
    static byte[] encode(Qcow2Snapshot s) {
        byte[] id = s.id().getBytes(StandardCharsets.UTF_8);
        byte[] name = s.name().getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(padded(Qcow2Snapshot.ENTRY_HEADER + EXTRA_DATA + id.length
                + name.length)).order(ByteOrder.BIG_ENDIAN);
        b.putLong(s.l1TableOffset()).putInt(s.l1Size()).putShort((short) id.length).putShort((short) name.length)
                .putInt((int) s.date().getEpochSecond()).putInt(s.date().getNano()).putLong(s.vmClockNanos())
                .putInt(0).putInt(EXTRA_DATA)
                .putLong(0).putLong(s.virtualSize()).putLong(NO_ICOUNT)
                .put(id).put(name);
        return b.array();
    }

    /** The entry for a snapshot taken {@code date} (whole seconds fit 32 bits until 2106). */
    static Qcow2Snapshot snapshot(String id, String name, long l1Offset, int l1Size, long virtualSize,
            Instant date) {
        return new Qcow2Snapshot(id, name, l1Offset, l1Size, virtualSize, date, 0, 0);
    }

    /** The whole table: {@code entries} back to back. */
    static ByteBuffer join(List<byte[]> entries) {
        int total = 0;
        for (byte[] e : entries) {
            total += e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(total);
        for (byte[] e : entries) {
            b.put(e);
        }
        return b.flip();
    }

    static int padded(int length) {
        return (length + 7) & ~7;
    }
}
