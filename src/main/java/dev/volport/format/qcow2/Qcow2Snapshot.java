package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One internal snapshot (qcow2.txt "Snapshots"; image-formats.md A.10): a saved L1 table plus its description.
 *
 * @param id the unique id string (QEMU numbers them "1", "2", ...)
 * @param name the user's name
 * @param l1TableOffset cluster-aligned offset of the snapshot's L1 table
 * @param l1Size entries of that table
 * @param virtualSize the disk size when the snapshot was taken (the header's size for old entries without it)
 * @param date when it was taken
 * @param vmClockNanos guest run time at that point
 * @param vmStateSize bytes of saved VM state (0 for disk-only snapshots)
 */
public record Qcow2Snapshot(String id, String name, long l1TableOffset, int l1Size, long virtualSize, Instant date,
        long vmClockNanos, long vmStateSize) {

    /** Fixed part of a snapshot table entry. */
    static final int ENTRY_HEADER = 40;

    /**
     * Walks the snapshot table entry by entry, checking every entry and the whole table against
     * {@link Qcow2Limits} and the file before using it.
     */
    static Table readTable(FileChannel file, Qcow2Header h, long fileLength, String name)
            throws IOException {
        List<Qcow2Snapshot> out = new ArrayList<>(Math.min(h.nbSnapshots(), 1024));
        long pos = h.snapshotsOffset();
        long tableEnd = Math.min(fileLength, Math.addExact(pos, Qcow2Limits.MAX_SNAPSHOT_TABLE_BYTES));
        ByteBuffer head = ByteBuffer.allocate(ENTRY_HEADER).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < h.nbSnapshots(); i++) {
            String where = "qcow2 snapshot table of " + name + ": entry " + i + " at offset " + pos;
            if (pos + ENTRY_HEADER > tableEnd) {
                throw new FormatException(where + " runs past " + (tableEnd == fileLength ? "the end of the file"
                        : "the table limit of " + Qcow2Limits.MAX_SNAPSHOT_TABLE_BYTES + " bytes"));
            }
            Positional.readFully(file, head.clear(), pos, where);
            long l1Offset = head.getLong(0);
            long l1Size = Integer.toUnsignedLong(head.getInt(8));
            int idSize = head.getShort(12) & 0xffff;
            int nameSize = head.getShort(14) & 0xffff;
            long seconds = Integer.toUnsignedLong(head.getInt(16));
            long nanos = Integer.toUnsignedLong(head.getInt(20));
            long vmClock = head.getLong(24);
            long vmState = Integer.toUnsignedLong(head.getInt(32));
            long extraSize = Integer.toUnsignedLong(head.getInt(36));
            if (extraSize > Qcow2Limits.MAX_SNAPSHOT_EXTRA_DATA || (h.version() >= 3 && extraSize < 16)) {
                throw new FormatException(where + ": extra_data_size " + extraSize + " outside ["
                        + (h.version() >= 3 ? 16 : 0) + ", " + Qcow2Limits.MAX_SNAPSHOT_EXTRA_DATA + "]");
            }
            long rest = extraSize + idSize + nameSize;
            long entryEnd = Math.addExact(pos, ENTRY_HEADER + rest);
            if (entryEnd > tableEnd) {
                throw new FormatException(where + ": entry of " + (ENTRY_HEADER + rest) + " bytes runs past "
                        + (tableEnd == fileLength ? "the end of the file" : "the snapshot table limit of "
                        + Qcow2Limits.MAX_SNAPSHOT_TABLE_BYTES + " bytes"));
            }
            ByteBuffer body = ByteBuffer.allocate((int) rest).order(ByteOrder.BIG_ENDIAN);
            Positional.readFully(file, body, pos + ENTRY_HEADER, where);
            long size = h.size();
            if (extraSize >= 8) {
                vmState = body.getLong(0);
            }
            if (extraSize >= 16) {
                size = body.getLong(8);
                if (size < 0 || size > Qcow2Limits.MAX_VIRTUAL_SIZE) {
                    throw new FormatException(where + ": disk size " + Long.toUnsignedString(size) + " outside [0, "
                            + Qcow2Limits.MAX_VIRTUAL_SIZE + "]");
                }
            }
            if (nanos >= 1_000_000_000L) {
                throw new FormatException(where + ": date nanoseconds " + nanos + " outside [0, 999999999]");
            }
            String id = new String(body.array(), (int) extraSize, idSize, StandardCharsets.UTF_8);
            String snapName = new String(body.array(), (int) extraSize + idSize, nameSize, StandardCharsets.UTF_8);
            if (l1Size > Qcow2Limits.MAX_L1_BYTES / 8) {
                throw new FormatException(where + ": l1_size " + l1Size + " outside [0, "
                        + Qcow2Limits.MAX_L1_BYTES / 8 + "]");
            }
            if (l1Size < h.l1EntriesFor(size)) {
                throw new FormatException(where + ": l1_size " + l1Size + " too small for disk size " + size);
            }
            if (l1Size > 0 && (l1Offset <= 0 || l1Offset % h.clusterSize() != 0
                    || l1Offset > fileLength - l1Size * 8)) {
                throw new FormatException(where + ": l1_table_offset " + l1Offset + " (" + l1Size
                        + " entries) is not cluster aligned or runs past the end of the file (" + fileLength
                        + " bytes)");
            }
            out.add(new Qcow2Snapshot(id, snapName, l1Offset, (int) l1Size, size,
                    Instant.ofEpochSecond(seconds, nanos), vmClock, vmState));
            // Entries are padded to a multiple of 8 bytes.
            pos = (entryEnd + 7) & ~7L;
        }
        return new Table(List.copyOf(out), pos - h.snapshotsOffset());
    }

    /** The snapshots of a table and its length in bytes (with the last entry's padding). */
    record Table(List<Qcow2Snapshot> snapshots, long bytes) {
    }
}
