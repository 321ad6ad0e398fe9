package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A metadata marker of a streamOptimized extent (VMDK spec, "Stream-Optimized Compressed Sparse Extents"): one whole
 * sector holding u64 {@code val} (sectors of metadata that follow), u32 {@code size} = 0, u32 {@code type}, and 496
 * zero bytes. A marker whose {@code size} is not 0 is a {@link GrainMarker} instead.
 *
 * @param val sectors of metadata after the marker (0 for end-of-stream)
 * @param type {@link #TYPE_EOS}, {@link #TYPE_GT}, {@link #TYPE_GD} or {@link #TYPE_FOOTER}
 */
public record StreamMarker(long val, int type) {
    /** End of stream: the all-zero sector. */
    public static final int TYPE_EOS = 0;
    /** A grain table follows. */
    public static final int TYPE_GT = 1;
    /** The grain directory follows. */
    public static final int TYPE_GD = 2;
    /** The footer (a copy of the header with the real {@code gdOffset}) follows. */
    public static final int TYPE_FOOTER = 3;

    /**
     * Decodes a metadata marker from the next 512 bytes of {@code sector} (position and order unchanged).
     *
     * @param where the file and sector, for messages
     * @throws FormatException when it is a grain marker, of an unknown type, or its padding is not zero
     */
    public static StreamMarker parse(ByteBuffer sector, String where) throws FormatException {
        if (sector.remaining() < VmdkLimits.SECTOR) {
            throw new FormatException("VMDK marker at " + where + " is cut short: " + sector.remaining()
                    + " of " + VmdkLimits.SECTOR + " bytes");
        }
        ByteBuffer b = sector.slice(sector.position(), VmdkLimits.SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        long val = b.getLong(0);
        int size = b.getInt(8);
        int type = b.getInt(12);
        if (size != 0) {
            throw new FormatException("VMDK marker at " + where + " is a grain marker (size "
                    + Integer.toUnsignedString(size) + "), expected a metadata marker");
        }
        if (type < TYPE_EOS || type > TYPE_FOOTER) {
            throw new FormatException("VMDK marker at " + where + " has type " + Integer.toUnsignedString(type)
                    + " outside [0, 3]");
        }
        for (int i = 16; i < VmdkLimits.SECTOR; i += 4) {
            if (b.getInt(i) != 0) {
                throw new FormatException("VMDK marker at " + where + " has non-zero padding at byte " + i);
            }
        }
        return new StreamMarker(val, type);
    }

    /** Encodes the marker as one sector into {@code out}, advancing its position by 512. */
    public void write(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), VmdkLimits.SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < VmdkLimits.SECTOR; i += 8) {
            b.putLong(i, 0);
        }
        b.putLong(0, val).putInt(12, type);
        out.position(out.position() + VmdkLimits.SECTOR);
    }

    /**
     * The 12-byte head of a compressed grain: u64 {@code lba} (first guest sector of the grain) and u32 {@code size}
     * (bytes of zlib data that follow, then zero padding to the next sector).
     *
     * @param lba first guest sector
     * @param size compressed bytes
     */
    public record GrainMarker(long lba, int size) {
        /** Bytes before the compressed data. */
        public static final int BYTES = 12;

        /**
         * Decodes and checks a grain marker against the header and the grain table slot that points to it: its lba
         * must be grain-aligned, inside the capacity and equal to {@code expectedLba}, its size within
         * {@link VmdkLimits#maxCompressedGrain}.
         *
         * @param head at least 12 bytes from its position (unchanged)
         * @param where the file and sector, for messages
         */
        public static GrainMarker parse(ByteBuffer head, SparseExtentHeader h, long expectedLba, String where)
                throws FormatException {
            if (head.remaining() < BYTES) {
                throw new FormatException("VMDK grain marker at " + where + " is cut short");
            }
            ByteBuffer b = head.slice(head.position(), BYTES).order(ByteOrder.LITTLE_ENDIAN);
            long lba = b.getLong(0);
            long size = Integer.toUnsignedLong(b.getInt(8));
            if (size == 0) {
                throw new FormatException("VMDK grain marker at " + where + " has size 0 (a metadata marker where"
                        + " the grain table points to a grain)");
            }
            long max = VmdkLimits.maxCompressedGrain(h.grainBytes());
            if (size > max) {
                throw new FormatException("VMDK grain marker at " + where + ": compressed size " + size
                        + " outside [1, " + max + "]");
            }
            if (lba < 0 || lba >= h.capacity()) {
                throw new FormatException("VMDK grain marker at " + where + ": lba " + Long.toUnsignedString(lba)
                        + " beyond the capacity of " + h.capacity() + " sectors");
            }
            if (lba % h.grainSize() != 0) {
                throw new FormatException("VMDK grain marker at " + where + ": lba " + lba
                        + " is not a multiple of the grain size " + h.grainSize());
            }
            if (lba != expectedLba) {
                throw new FormatException("VMDK grain marker at " + where + ": lba " + lba + ", but the grain table"
                        + " maps it at lba " + expectedLba);
            }
            return new GrainMarker(lba, (int) size);
        }
    }
}
