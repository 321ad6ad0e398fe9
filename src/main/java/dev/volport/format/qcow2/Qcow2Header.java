package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/**
 * The qcow2 header of cluster 0 (qcow2.txt "Header" and "Header extensions"; image-formats.md A.2-A.4), field
 * names as in the spec. Version 2 headers carry the implied v3 values ({@code refcountOrder} 4,
 * {@code headerLength} 72, no feature bits).
 *
 * <p>{@link #parse} accepts only what volport can read safely: versions 2 and 3, no encryption, no external data
 * file, no corrupt bit, no unknown incompatible feature, and every count and offset inside {@link Qcow2Limits}
 * and the file. The dirty bit is accepted here (reading needs no refcounts); {@link Qcow2Validator} refuses it.
 *
 * @param version 2 or 3
 * @param backingFileOffset byte offset of the backing file name in cluster 0, 0 if none
 * @param backingFileSize length of that name in bytes
 * @param clusterBits log2 of the cluster size, in [9, 21]
 * @param size virtual disk size in bytes
 * @param cryptMethod always 0 (none) in a parsed header
 * @param l1Size entries of the active L1 table
 * @param l1TableOffset cluster-aligned offset of the active L1 table
 * @param refcountTableOffset cluster-aligned offset of the refcount table
 * @param refcountTableClusters clusters of the refcount table, at least 1
 * @param nbSnapshots number of internal snapshots
 * @param snapshotsOffset cluster-aligned offset of the snapshot table, 0 if there are none
 * @param incompatibleFeatures incompatible feature bits (only known ones, never corrupt or external data)
 * @param compatibleFeatures compatible feature bits (unknown ones kept)
 * @param autoclearFeatures autoclear feature bits (unknown ones kept)
 * @param refcountOrder log2 of the refcount width in bits, in [0, 6]
 * @param headerLength bytes of the header before the extensions
 * @param compressionType 0 deflate, 1 zstd
 * @param extensions every header extension in file order, known or not
 * @param backingFormat the backing file format extension, if present
 * @param featureNames the feature name table, empty if absent
 * @param bitmaps the bitmaps extension, if present
 * @param backingFileName the backing file name, if any (not resolved; see {@link BackingResolver})
 * @param externalDataFile the external data file name extension; always empty after {@link #parse}, which
 *     refuses it, and present in the record so that it describes every part of the header
 * @param fullDiskEncryption the full disk encryption header pointer; always empty after {@link #parse}, which
 *     refuses encryption
 */
public record Qcow2Header(int version, long backingFileOffset, int backingFileSize, int clusterBits, long size,
        int cryptMethod, int l1Size, long l1TableOffset, long refcountTableOffset, int refcountTableClusters,
        int nbSnapshots, long snapshotsOffset, long incompatibleFeatures, long compatibleFeatures,
        long autoclearFeatures, int refcountOrder, int headerLength, int compressionType,
        List<Extension> extensions, Optional<String> backingFormat, List<FeatureName> featureNames,
        Optional<Bitmaps> bitmaps, Optional<String> backingFileName, Optional<String> externalDataFile,
        Optional<FullDiskEncryption> fullDiskEncryption) {

    /** "QFI\xfb". */
    public static final int MAGIC = 0x514649fb;
    /** Bytes of a version 2 header. */
    public static final int V2_HEADER_LENGTH = 72;
    /** Smallest version 3 header. */
    public static final int V3_MIN_HEADER_LENGTH = 104;
    /** What QEMU writes for version 3 (with the compression_type byte and its padding). */
    public static final int V3_HEADER_LENGTH = 112;

    /** Incompatible bit 0: refcounts may be stale. */
    public static final long INCOMPAT_DIRTY = 1L;
    /** Incompatible bit 1: the image is corrupt. */
    public static final long INCOMPAT_CORRUPT = 1L << 1;
    /** Incompatible bit 2: guest data lives in an external data file. */
    public static final long INCOMPAT_DATA_FILE = 1L << 2;
    /** Incompatible bit 3: compression_type is meaningful. */
    public static final long INCOMPAT_COMPRESSION = 1L << 3;
    /** Incompatible bit 4: 128-bit L2 entries with subclusters. */
    public static final long INCOMPAT_EXTENDED_L2 = 1L << 4;
    /** Every incompatible bit volport knows. */
    public static final long INCOMPAT_KNOWN = 0x1fL;
    /** Compatible bit 0: lazy refcounts. */
    public static final long COMPAT_LAZY_REFCOUNTS = 1L;

    /** Extension types (qcow2.txt "Header extensions"). */
    public static final int EXT_END = 0;
    public static final int EXT_BACKING_FORMAT = 0xE2792ACA;
    public static final int EXT_FEATURE_TABLE = 0x6803F857;
    public static final int EXT_BITMAPS = 0x23852875;
    public static final int EXT_FULL_DISK_ENCRYPTION = 0x0537BE77;
    public static final int EXT_DATA_FILE = 0x44415441;

    /** Compression types. */
    public static final int COMPRESSION_DEFLATE = 0;
    public static final int COMPRESSION_ZSTD = 1;

    /**
     * One header extension as found.
     *
     * @param type the extension type
     * @param offset byte offset of its data in cluster 0
     * @param length bytes of data (without padding)
     */
    public record Extension(int type, int offset, int length) {
    }

    /**
     * One entry of the feature name table.
     *
     * @param type 0 incompatible, 1 compatible, 2 autoclear
     * @param bit bit number 0..63
     * @param name the feature's name
     */
    public record FeatureName(int type, int bit, String name) {
    }

    /**
     * The bitmaps extension (persistent dirty bitmaps; irrelevant to guest content).
     *
     * @param nbBitmaps number of bitmaps
     * @param directorySize bytes of the bitmap directory
     * @param directoryOffset cluster-aligned offset of the bitmap directory
     */
    public record Bitmaps(int nbBitmaps, long directorySize, long directoryOffset) {
    }

    /**
     * The full disk encryption header pointer extension (LUKS).
     *
     * @param offset cluster-aligned offset of the encryption header
     * @param length its length in bytes
     */
    public record FullDiskEncryption(long offset, long length) {
    }

    public Qcow2Header {
        extensions = List.copyOf(extensions);
        featureNames = List.copyOf(featureNames);
    }

    /** Bytes per cluster. */
    public int clusterSize() {
        return 1 << clusterBits;
    }

    /** Width of a refcount in bits (1..64). */
    public int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Whether L2 entries are 128 bits with 32 subclusters (incompatible bit 4). */
    public boolean extendedL2() {
        return (incompatibleFeatures & INCOMPAT_EXTENDED_L2) != 0;
    }

    /** Whether the dirty bit is set: refcounts may be stale. */
    public boolean dirty() {
        return (incompatibleFeatures & INCOMPAT_DIRTY) != 0;
    }

    /** Entries of one L2 table. */
    public int l2Entries() {
        return clusterSize() / (extendedL2() ? 16 : 8);
    }

    /** Bytes of guest disk one L1 entry maps. */
    public long bytesPerL1Entry() {
        return (long) l2Entries() << clusterBits;
    }

    /**
     * The L1 entries needed to map {@code virtualSize} bytes with this geometry.
     *
     * @throws ArithmeticException never for sizes within {@link Qcow2Limits#MAX_VIRTUAL_SIZE}
     */
    public long l1EntriesFor(long virtualSize) {
        long perEntry = bytesPerL1Entry();
        return Math.addExact(virtualSize, perEntry - 1) / perEntry;
    }

    /**
     * Whether {@code prefix} (from its position, not modified) starts with the qcow2 magic: a pure probe for
     * format detection, reading at most 4 bytes.
     */
    public static boolean matches(ByteBuffer prefix) {
        return prefix.remaining() >= 4
                && prefix.duplicate().order(ByteOrder.BIG_ENDIAN).getInt(prefix.position()) == MAGIC;
    }

    /**
     * Parses and checks a header; {@code cluster0} holds the first bytes of the file from its position (a full
     * cluster, or the whole file when it is shorter) and is not modified.
     *
     * @param fileLength the image file's length in bytes, for bounds checks
     * @throws FormatException naming the field, its value and the allowed range
     */
    public static Qcow2Header parse(ByteBuffer cluster0, long fileLength) throws FormatException {
        return parse(cluster0, fileLength, "image");
    }

    /**
     * As {@link #parse(ByteBuffer, long)}, with {@code name} (the file or volume) in every message.
     */
    public static Qcow2Header parse(ByteBuffer cluster0, long fileLength, String name) throws FormatException {
        return new HeaderParser(cluster0.slice().order(ByteOrder.BIG_ENDIAN), fileLength, name).parse();
    }

    /**
     * Writes this header and an extension list holding only the end marker at the buffer's position; the
     * writer's headers only (version 3, no backing file, no extensions).
     *
     * @throws IllegalStateException for a header this method cannot represent
     */
    public void write(ByteBuffer out) {
        if (version != 3 || backingFileName.isPresent() || !extensions.isEmpty() || headerLength != V3_HEADER_LENGTH) {
            throw new IllegalStateException("only plain version 3 headers are written: " + this);
        }
        ByteBuffer b = out.slice().order(ByteOrder.BIG_ENDIAN);
        b.putInt(MAGIC).putInt(version).putLong(backingFileOffset).putInt(backingFileSize).putInt(clusterBits)
                .putLong(size).putInt(cryptMethod).putInt(l1Size).putLong(l1TableOffset)
                .putLong(refcountTableOffset).putInt(refcountTableClusters).putInt(nbSnapshots)
                .putLong(snapshotsOffset).putLong(incompatibleFeatures).putLong(compatibleFeatures)
                .putLong(autoclearFeatures).putInt(refcountOrder).putInt(headerLength)
                .put((byte) compressionType).put(new byte[7])
                .putInt(EXT_END).putInt(0);
        out.position(out.position() + b.position());
    }
}
