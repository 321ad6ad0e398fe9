package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Decodes and checks the header of cluster 0 for {@link Qcow2Header#parse}; one instance per call. */
final class HeaderParser {
    private final ByteBuffer b;
    private final long fileLength;
    private final String name;

    HeaderParser(ByteBuffer bigEndian, long fileLength, String name) {
        this.b = bigEndian;
        this.fileLength = fileLength;
        this.name = name;
    }

    private FormatException fail(String what) {
        return new FormatException("qcow2 header of " + name + ": " + what);
    }

    Qcow2Header parse() throws FormatException {
        if (b.remaining() < Qcow2Header.V2_HEADER_LENGTH) {
            throw fail("only " + b.remaining() + " bytes, a header needs at least "
                    + Qcow2Header.V2_HEADER_LENGTH);
        }
        int magic = b.getInt(0);
        if (magic != Qcow2Header.MAGIC) {
            throw fail(String.format("magic 0x%08x is not QFI\\xfb (0x%08x)", magic, Qcow2Header.MAGIC));
        }
        long version = u32(4);
        if (version != 2 && version != 3) {
            throw fail("unsupported version " + version + " (only 2 and 3)");
        }
        long clusterBits = u32(20);
        range("cluster_bits", clusterBits, Qcow2Limits.MIN_CLUSTER_BITS, Qcow2Limits.MAX_CLUSTER_BITS);
        int clusterSize = 1 << clusterBits;
        // Everything the header describes lives in cluster 0, which may be cut short by the end of the file.
        int area = Math.min(b.remaining(), clusterSize);

        long incompat = 0;
        long compat = 0;
        long autoclear = 0;
        long refcountOrder = 4;
        long headerLength = Qcow2Header.V2_HEADER_LENGTH;
        int compressionType = 0;
        if (version == 3) {
            if (area < Qcow2Header.V3_MIN_HEADER_LENGTH) {
                throw fail("only " + area + " bytes, a version 3 header needs "
                        + Qcow2Header.V3_MIN_HEADER_LENGTH);
            }
            incompat = b.getLong(72);
            compat = b.getLong(80);
            autoclear = b.getLong(88);
            refcountOrder = u32(96);
            headerLength = u32(100);
            range("header_length", headerLength, Qcow2Header.V3_MIN_HEADER_LENGTH, area);
            if (headerLength % 8 != 0) {
                throw fail("header_length " + headerLength + " is not a multiple of 8");
            }
            // Additional fields count only when header_length covers them (qcow2.txt "Additional fields").
            if (headerLength > 104) {
                compressionType = b.get(104) & 0xff;
            }
        }

        Extensions ext = extensions((int) headerLength, area);

        long cryptMethod = u32(32);
        if (cryptMethod != 0) {
            throw fail("encrypted (crypt_method " + cryptMethod + (cryptMethod == 1 ? ", AES-CBC" : cryptMethod == 2
                    ? ", LUKS" : "") + "); encrypted images are not supported");
        }
        if (ext.fde != null) {
            throw fail("full disk encryption header extension present; encrypted images are not supported");
        }
        if ((incompat & Qcow2Header.INCOMPAT_DATA_FILE) != 0 || ext.dataFile != null) {
            throw fail("external data file" + (ext.dataFile != null ? " '" + ext.dataFile + "'" : "")
                    + " not allowed (incompatible bit 2)");
        }
        if ((incompat & Qcow2Header.INCOMPAT_CORRUPT) != 0) {
            throw fail("marked corrupt (incompatible bit 1); repair it with qemu-img check -r all first");
        }
        long unknown = incompat & ~Qcow2Header.INCOMPAT_KNOWN;
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            String known = ext.features.stream().filter(f -> f.type() == 0 && f.bit() == bit)
                    .map(f -> " '" + f.name() + "'").findFirst().orElse("");
            throw fail("unknown incompatible feature bit " + bit + known + String.format(
                    " (incompatible_features 0x%x, known 0x%x)", incompat, Qcow2Header.INCOMPAT_KNOWN));
        }
        if ((incompat & Qcow2Header.INCOMPAT_COMPRESSION) != 0) {
            if (compressionType != Qcow2Header.COMPRESSION_ZSTD) {
                throw fail("compression_type " + compressionType + " with incompatible bit 3 set; only 1 (zstd)");
            }
        } else if (compressionType != 0) {
            throw fail("compression_type " + compressionType + " without incompatible bit 3");
        }
        boolean extendedL2 = (incompat & Qcow2Header.INCOMPAT_EXTENDED_L2) != 0;
        if (extendedL2) {
            range("cluster_bits (extended L2)", clusterBits, Qcow2Limits.MIN_CLUSTER_BITS_EXTENDED_L2,
                    Qcow2Limits.MAX_CLUSTER_BITS);
        }
        range("refcount_order", refcountOrder, 0, Qcow2Limits.MAX_REFCOUNT_ORDER);

        long size = b.getLong(24);
        range("size", size, 0, Qcow2Limits.MAX_VIRTUAL_SIZE);
        long l1Size = u32(36);
        range("l1_size", l1Size, 0, Qcow2Limits.MAX_L1_BYTES / 8);
        long bytesPerL1 = (long) (clusterSize / (extendedL2 ? 16 : 8)) << clusterBits;
        long l1Needed = Math.addExact(size, bytesPerL1 - 1) / bytesPerL1;
        if (l1Size < l1Needed) {
            throw fail("l1_size " + l1Size + " too small for size " + size + " (needs " + l1Needed + ")");
        }
        long l1TableOffset = b.getLong(40);
        if (l1Size > 0) {
            table("l1_table_offset", l1TableOffset, l1Size * 8, clusterSize);
        }
        long refcountTableOffset = b.getLong(48);
        long refcountTableClusters = u32(56);
        range("refcount_table_clusters", refcountTableClusters, 1,
                Qcow2Limits.MAX_REFCOUNT_TABLE_BYTES >> clusterBits);
        table("refcount_table_offset", refcountTableOffset, refcountTableClusters << clusterBits, clusterSize);
        long nbSnapshots = u32(60);
        range("nb_snapshots", nbSnapshots, 0, Qcow2Limits.MAX_SNAPSHOTS);
        long snapshotsOffset = b.getLong(64);
        if (nbSnapshots > 0) {
            // 40 bytes is the smallest entry; the table is walked and checked entry by entry later.
            table("snapshots_offset", snapshotsOffset, nbSnapshots * 40, clusterSize);
        }

        long backingFileOffset = b.getLong(8);
        long backingFileSize = u32(16);
        Optional<String> backingName = Optional.empty();
        if (backingFileOffset != 0) {
            range("backing_file_size", backingFileSize, 1, Qcow2Limits.MAX_BACKING_FILE_NAME);
            range("backing_file_offset", backingFileOffset, ext.end, area - backingFileSize);
            backingName = Optional.of(string((int) backingFileOffset, (int) backingFileSize));
        } else {
            backingFileSize = 0;
        }
        if (ext.backingFormat != null && backingName.isEmpty()) {
            throw fail("backing format extension '" + ext.backingFormat + "' without a backing file");
        }
        return new Qcow2Header((int) version, backingFileOffset, (int) backingFileSize, (int) clusterBits, size,
                (int) cryptMethod, (int) l1Size, l1TableOffset, refcountTableOffset, (int) refcountTableClusters,
                (int) nbSnapshots, snapshotsOffset, incompat, compat, autoclear, (int) refcountOrder,
                (int) headerLength, compressionType, ext.list, Optional.ofNullable(ext.backingFormat), ext.features,
                Optional.ofNullable(ext.bitmaps), backingName, Optional.empty(), Optional.empty());
    }

    /** What the extension area held. */
    private static final class Extensions {
        final List<Qcow2Header.Extension> list = new ArrayList<>();
        final List<Qcow2Header.FeatureName> features = new ArrayList<>();
        String backingFormat;
        String dataFile;
        Qcow2Header.Bitmaps bitmaps;
        Qcow2Header.FullDiskEncryption fde;
        /** First byte after the end marker. */
        int end;
    }

    private Extensions extensions(int start, int area) throws FormatException {
        Extensions ext = new Extensions();
        Set<Integer> seen = new HashSet<>();
        int pos = start;
        while (true) {
            if (pos + 8 > area) {
                throw fail("header extension list at offset " + pos + " runs past cluster 0 (" + area
                        + " bytes) without an end marker");
            }
            int type = b.getInt(pos);
            long length = u32(pos + 4);
            if (type == Qcow2Header.EXT_END) {
                ext.end = pos + 8;
                return ext;
            }
            long padded = (length + 7) & ~7L;
            if (pos + 8 + padded > area) {
                throw fail(String.format("header extension 0x%08x at offset %d: length %d runs past cluster 0"
                        + " (%d bytes)", type, pos, length, area));
            }
            int data = pos + 8;
            int len = (int) length;
            if (type == Qcow2Header.EXT_BACKING_FORMAT || type == Qcow2Header.EXT_FEATURE_TABLE
                    || type == Qcow2Header.EXT_BITMAPS || type == Qcow2Header.EXT_FULL_DISK_ENCRYPTION
                    || type == Qcow2Header.EXT_DATA_FILE) {
                if (!seen.add(type)) {
                    throw fail(String.format("header extension 0x%08x appears twice (offset %d)", type, pos));
                }
            }
            switch (type) {
                case Qcow2Header.EXT_BACKING_FORMAT -> {
                    extLength(type, pos, length, 1, Qcow2Limits.MAX_BACKING_FILE_NAME);
                    ext.backingFormat = string(data, len);
                }
                case Qcow2Header.EXT_FEATURE_TABLE -> {
                    if (len % 48 != 0) {
                        throw fail("feature name table at offset " + pos + ": length " + len
                                + " is not a multiple of 48");
                    }
                    for (int e = data; e < data + len; e += 48) {
                        int nameLen = 0;
                        while (nameLen < 46 && b.get(e + 2 + nameLen) != 0) {
                            nameLen++;
                        }
                        ext.features.add(new Qcow2Header.FeatureName(b.get(e) & 0xff, b.get(e + 1) & 0xff,
                                string(e + 2, nameLen)));
                    }
                }
                case Qcow2Header.EXT_BITMAPS -> {
                    extLength(type, pos, length, 24, 24);
                    long nb = u32(data);
                    long dirSize = b.getLong(data + 8);
                    long dirOffset = b.getLong(data + 16);
                    range("bitmaps extension nb_bitmaps", nb, 1, 65535);
                    range("bitmaps extension bitmap_directory_size", dirSize, 1, 64L << 20);
                    table("bitmaps extension bitmap_directory_offset", dirOffset, dirSize, 1 << (int) u32(20));
                    ext.bitmaps = new Qcow2Header.Bitmaps((int) nb, dirSize, dirOffset);
                }
                case Qcow2Header.EXT_FULL_DISK_ENCRYPTION -> {
                    extLength(type, pos, length, 16, 16);
                    ext.fde = new Qcow2Header.FullDiskEncryption(b.getLong(data), b.getLong(data + 8));
                }
                case Qcow2Header.EXT_DATA_FILE -> ext.dataFile = string(data, Math.min(len, 1024));
                default -> {
                    // Unknown extensions may be skipped (qcow2.txt "Header extensions").
                }
            }
            ext.list.add(new Qcow2Header.Extension(type, data, len));
            pos = data + (int) padded;
        }
    }

    private void extLength(int type, int pos, long length, long min, long max) throws FormatException {
        if (length < min || length > max) {
            throw fail(String.format("header extension 0x%08x at offset %d: length %d outside [%d, %d]", type, pos,
                    length, min, max));
        }
    }

    /** Checks that a table is cluster aligned, not at offset 0 and inside the file. */
    private void table(String field, long offset, long bytes, int clusterSize) throws FormatException {
        if (offset <= 0 || offset % clusterSize != 0) {
            throw fail(field + " " + offset + " is not a non-zero multiple of the cluster size " + clusterSize);
        }
        if (offset > fileLength || bytes > fileLength - offset) {
            throw fail(field + " " + offset + " + " + bytes + " bytes runs past the end of the file ("
                    + fileLength + " bytes)");
        }
    }

    private void range(String field, long value, long min, long max) throws FormatException {
        if (value < min || value > max) {
            throw fail(field + " " + (value < 0 ? Long.toUnsignedString(value) : value) + " outside [" + min
                    + ", " + max + "]");
        }
    }

    private long u32(int at) {
        return Integer.toUnsignedLong(b.getInt(at));
    }

    private String string(int at, int len) {
        byte[] bytes = new byte[len];
        b.get(at, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
