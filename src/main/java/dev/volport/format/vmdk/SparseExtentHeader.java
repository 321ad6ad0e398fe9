package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 512-byte hosted sparse extent header ({@code SparseExtentHeader} of the VMDK spec, "KDMV"), as found in
 * sector 0 and, for streams whose grain directory is at the end, in the footer. All integers are little-endian;
 * offsets and sizes count 512-byte sectors. Field names follow the spec.
 *
 * @param version 1, 2 (zeroed-grain entries) or 3 (streamOptimized)
 * @param flags bit 0 valid new-line test, 1 redundant grain directory, 2 zeroed-grain entries, 16 compressed
 *     grains, 17 markers
 * @param capacity virtual size in sectors
 * @param grainSize sectors per grain
 * @param descriptorOffset first sector of the embedded descriptor, 0 when there is none
 * @param descriptorSize sectors reserved for the embedded descriptor
 * @param numGTEsPerGT entries per grain table
 * @param rgdOffset first sector of the redundant grain directory (meaningful with flag bit 1)
 * @param gdOffset first sector of the grain directory, or {@link #GD_AT_END}
 * @param overHead sectors of metadata before the first grain
 * @param uncleanShutdown whether the writer did not close the file cleanly
 * @param lineEndingCheck bytes 73-76 as a little-endian int; {@link #LINE_ENDING_CHECK} when intact
 * @param compressAlgorithm 0 none, 1 deflate (zlib)
 */
public record SparseExtentHeader(int version, int flags, long capacity, long grainSize, long descriptorOffset,
        long descriptorSize, int numGTEsPerGT, long rgdOffset, long gdOffset, long overHead, boolean uncleanShutdown,
        int lineEndingCheck, int compressAlgorithm) {

    /** "KDMV" read as a little-endian u32. */
    public static final int MAGIC = 0x564D444B;
    /** Length of the header on disk. */
    public static final int BYTES = 512;
    /** {@code gdOffset} of a stream whose grain directory follows the grains; the footer has the real one. */
    public static final long GD_AT_END = -1L;
    /** The bytes {@code '\n', ' ', '\r', '\n'} as a little-endian int: a file copied in text mode changes them. */
    public static final int LINE_ENDING_CHECK = 0x0A0D200A;

    /** Flag bit 0: the line-ending check bytes are valid. */
    public static final int FLAG_VALID_NEWLINE_TEST = 1;
    /** Flag bit 1: a redundant grain directory is kept at {@code rgdOffset}. */
    public static final int FLAG_REDUNDANT_GD = 1 << 1;
    /** Flag bit 2: a grain table entry of 1 means a grain of zeros (version 2 and later). */
    public static final int FLAG_ZEROED_GRAIN_GTE = 1 << 2;
    /** Flag bit 16: grains are compressed. */
    public static final int FLAG_COMPRESSED = 1 << 16;
    /** Flag bit 17: the file holds markers (streamOptimized). */
    public static final int FLAG_MARKERS = 1 << 17;
    private static final int KNOWN_FLAGS = FLAG_VALID_NEWLINE_TEST | FLAG_REDUNDANT_GD | FLAG_ZEROED_GRAIN_GTE
            | FLAG_COMPRESSED | FLAG_MARKERS;

    /** {@code compressAlgorithm}: none. */
    public static final int COMPRESSION_NONE = 0;
    /** {@code compressAlgorithm}: deflate in a zlib wrapper (RFC 1950). */
    public static final int COMPRESSION_DEFLATE = 1;

    /**
     * Decodes and validates a header against {@link VmdkLimits} and a file of {@code fileLength} bytes: every region
     * it names (descriptor, grain directories) must lie inside the file. A {@link #GD_AT_END} directory is accepted
     * here only with markers; the caller must then read the footer.
     *
     * @param first512 at least 512 bytes from its position; neither its position nor its order is changed
     * @throws FormatException naming the field, its value and the accepted range
     */
    public static SparseExtentHeader parse(ByteBuffer first512, long fileLength) throws FormatException {
        if (first512.remaining() < BYTES) {
            throw new FormatException("VMDK file too short for a sparse extent header: " + first512.remaining()
                    + " of " + BYTES + " bytes");
        }
        ByteBuffer b = first512.slice(first512.position(), BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != MAGIC) {
            throw new FormatException(describeForeignMagic(b));
        }
        SparseExtentHeader h = new SparseExtentHeader(b.getInt(4), b.getInt(8), b.getLong(12), b.getLong(20),
                b.getLong(28), b.getLong(36), b.getInt(44), b.getLong(48), b.getLong(56), b.getLong(64),
                b.get(72) != 0, b.getInt(73), Short.toUnsignedInt(b.getShort(77)));
        if (b.get(72) != 0 && b.get(72) != 1) {
            throw new FormatException("VMDK header uncleanShutdown " + b.get(72) + " is neither 0 nor 1");
        }
        h.validate(fileLength);
        return h;
    }

    /** A message for a first sector that is not a sparse extent header, naming what it looks like. */
    private static String describeForeignMagic(ByteBuffer b) {
        byte[] start = new byte[21];
        b.get(0, start);
        String text = new String(start, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (text.startsWith("COWD")) {
            return "VMDK file is an ESX COWD (vmfsSparse) extent, which is not supported";
        }
        if (text.startsWith("# Disk DescriptorFile") || text.startsWith("# Disk Descriptor")
                || text.startsWith("version=")) {
            return "VMDK file is a descriptor only: its data lives in other files, which are never opened";
        }
        return String.format("VMDK sparse extent magic is 0x%08x, expected 0x%08x (\"KDMV\")", b.getInt(0), MAGIC);
    }

    private void validate(long fileLength) throws FormatException {
        if (version < 1 || version > 3) {
            throw new FormatException("VMDK header version " + version + " outside [1, 3]");
        }
        int unknown = flags & ~KNOWN_FLAGS;
        if (unknown != 0) {
            throw new FormatException(String.format("VMDK header flags 0x%08x: unknown bits 0x%08x", flags, unknown));
        }
        if (has(FLAG_ZEROED_GRAIN_GTE) && version < 2) {
            throw new FormatException("VMDK header flags zeroed-grain entries with version " + version
                    + ", which needs version 2 or later");
        }
        if (has(FLAG_VALID_NEWLINE_TEST) && lineEndingCheck != LINE_ENDING_CHECK) {
            throw new FormatException(String.format("VMDK header line-ending check bytes are 0x%08x, expected"
                    + " 0x%08x: the file was altered by a text-mode transfer", lineEndingCheck, LINE_ENDING_CHECK));
        }
        if (compressAlgorithm != COMPRESSION_NONE && compressAlgorithm != COMPRESSION_DEFLATE) {
            throw new FormatException("VMDK header compressAlgorithm " + compressAlgorithm + " outside [0, 1]");
        }
        if (has(FLAG_COMPRESSED) != (compressAlgorithm == COMPRESSION_DEFLATE)) {
            throw new FormatException("VMDK header compressed-grains flag " + has(FLAG_COMPRESSED)
                    + " disagrees with compressAlgorithm " + compressAlgorithm);
        }
        if (has(FLAG_MARKERS) && !has(FLAG_COMPRESSED)) {
            throw new FormatException("VMDK header has markers without compressed grains, which is not supported");
        }
        if (capacity == 0) {
            throw new FormatException("VMDK header capacity is 0: a descriptor-only file or an empty extent");
        }
        range("capacity", capacity, 1, VmdkLimits.MAX_CAPACITY_SECTORS);
        range("grainSize", grainSize, VmdkLimits.MIN_GRAIN_SECTORS, VmdkLimits.MAX_GRAIN_SECTORS);
        if (Long.bitCount(grainSize) != 1) {
            throw new FormatException("VMDK header grainSize " + grainSize + " is not a power of two");
        }
        if (numGTEsPerGT != VmdkLimits.GTES_PER_GT) {
            throw new FormatException("VMDK header numGTEsPerGT " + Integer.toUnsignedString(numGTEsPerGT)
                    + " is not " + VmdkLimits.GTES_PER_GT);
        }
        if (descriptorOffset == 0) {
            throw new FormatException("VMDK header has no embedded descriptor: a split extent, not a whole disk");
        }
        range("descriptorSize", descriptorSize, 1, VmdkLimits.MAX_DESCRIPTOR_SECTORS);
        inside("descriptor", descriptorOffset, descriptorSize, fileLength);
        long fileSectors = fileLength / VmdkLimits.SECTOR;
        range("overHead", overHead, 1, fileSectors);
        if (gdOffset == GD_AT_END) {
            if (!has(FLAG_MARKERS)) {
                throw new FormatException("VMDK header puts the grain directory at the end (gdOffset GD_AT_END)"
                        + " without stream markers");
            }
        } else {
            inside("grain directory (gdOffset)", gdOffset, gdSectors(), fileLength);
        }
        if (has(FLAG_REDUNDANT_GD)) {
            inside("redundant grain directory (rgdOffset)", rgdOffset, gdSectors(), fileLength);
        }
    }

    private static void range(String field, long value, long min, long max) throws FormatException {
        if (value < min || value > max) {
            throw new FormatException("VMDK header " + field + " " + Long.toUnsignedString(value) + " outside ["
                    + min + ", " + max + "]");
        }
    }

    /** Checks that {@code sectors} sectors from sector {@code offset} (at least 1) lie inside the file. */
    static void inside(String what, long offset, long sectors, long fileLength) throws FormatException {
        long fileSectors = fileLength / VmdkLimits.SECTOR;
        if (offset < 1 || offset >= fileSectors || sectors > fileSectors - offset) {
            throw new FormatException("VMDK " + what + " at sector " + Long.toUnsignedString(offset) + ", "
                    + Long.toUnsignedString(sectors) + " sectors long, is not inside the file of " + fileSectors
                    + " sectors");
        }
    }

    /** Whether all bits of {@code flag} are set. */
    public boolean has(int flag) {
        return (flags & flag) == flag;
    }

    /** Bytes per grain. */
    public long grainBytes() {
        return grainSize * VmdkLimits.SECTOR;
    }

    /** The virtual size in bytes: {@code capacity * 512}. */
    public long capacityBytes() {
        return capacity * VmdkLimits.SECTOR;
    }

    /** Number of grains covering the capacity (the last may extend past it). */
    public long grains() {
        return ceilDiv(capacity, grainSize);
    }

    /** Entries in the grain directory: one per {@code numGTEsPerGT} grains. */
    public int gdEntries() {
        return Math.toIntExact(ceilDiv(grains(), numGTEsPerGT));
    }

    /** Sectors the grain directory occupies (whole sectors of u32 entries). */
    public long gdSectors() {
        return ceilDiv(gdEntries() * 4L, VmdkLimits.SECTOR);
    }

    /** Sectors one grain table occupies. */
    public long gtSectors() {
        return ceilDiv(numGTEsPerGT * 4L, VmdkLimits.SECTOR);
    }

    private static long ceilDiv(long a, long b) {
        return Math.ceilDiv(a, b);
    }

    /** A copy with another {@code gdOffset} (a footer's directory, or a writer's). */
    public SparseExtentHeader withGdOffset(long newGdOffset) {
        return new SparseExtentHeader(version, flags, capacity, grainSize, descriptorOffset, descriptorSize,
                numGTEsPerGT, rgdOffset, newGdOffset, overHead, uncleanShutdown, lineEndingCheck, compressAlgorithm);
    }

    /** Encodes the header into the next 512 bytes of {@code out} (bytes 79-511 zero); the order of {@code out} is kept. */
    public void write(ByteBuffer out) {
        ByteBuffer b = out.slice(out.position(), BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < BYTES; i += 8) {
            b.putLong(i, 0);
        }
        b.putInt(0, MAGIC).putInt(4, version).putInt(8, flags).putLong(12, capacity).putLong(20, grainSize)
                .putLong(28, descriptorOffset).putLong(36, descriptorSize).putInt(44, numGTEsPerGT)
                .putLong(48, rgdOffset).putLong(56, gdOffset).putLong(64, overHead)
                .put(72, (byte) (uncleanShutdown ? 1 : 0)).putInt(73, lineEndingCheck)
                .putShort(77, (short) compressAlgorithm);
        out.position(out.position() + BYTES);
    }
}
