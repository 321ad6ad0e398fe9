package dev.volport.transfer;

import dev.volport.format.FormatException;
import dev.volport.format.StreamFormat;
import dev.volport.format.sparse.SparseFormat;
import dev.volport.io.ContentDigest;
import dev.volport.io.SizeHeader;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DiskFormat;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.util.Optional;

/**
 * What every storage shares about a stream format on import, kept here once instead of in each storage type: the
 * reference's with-snapshots rules (DESIGN §4: {@code qcow2+size}/{@code vmdk+size} need {@code with-snapshots},
 * {@code raw+size}/{@code tar+size} refuse it), the framing (a size header or none), and what kind of data the
 * stream carries.
 */
public final class FormatRules {
    private FormatRules() {
    }

    /**
     * The disk format of the data a stream carries: raw for {@code raw+size}, a directory tree for {@code tar+size},
     * the image file itself for {@code qcow2+size}/{@code vmdk+size}; empty for the send streams of zfs and btrfs,
     * which only their own storage type can receive.
     */
    public static Optional<DiskFormat> data(StreamFormat format) {
        return switch (format) {
            case RAW_SIZE, RAW_SPARSE -> Optional.of(DiskFormat.RAW);
            case TAR_SIZE -> Optional.of(DiskFormat.SUBVOL);
            case QCOW2_SIZE -> Optional.of(DiskFormat.QCOW2);
            case VMDK_SIZE -> Optional.of(DiskFormat.VMDK);
            case ZFS, BTRFS -> Optional.empty();
        };
    }

    /** Whether the stream is an image file copied as it is ({@code qcow2+size}, {@code vmdk+size}). */
    public static boolean isImageFile(StreamFormat format) {
        return format == StreamFormat.QCOW2_SIZE || format == StreamFormat.VMDK_SIZE;
    }

    /**
     * The with-snapshots rule of an import: image-file streams carry the image with its snapshots and need
     * {@code with-snapshots}; raw and tar streams carry one state and refuse it. Send streams decide for themselves.
     *
     * @throws StorageException {@code format F cannot be imported with[out] snapshots}, the reference's words
     */
    public static void checkImport(StreamFormat format, TransferOptions options) throws StorageException {
        if (format == StreamFormat.ZFS || format == StreamFormat.BTRFS) {
            return;
        }
        boolean image = isImageFile(format);
        if (!options.withSnapshots() && image) {
            throw new StorageException("format " + format + " cannot be imported without snapshots");
        }
        if (options.withSnapshots() && !image) {
            throw new StorageException("format " + format + " cannot be imported with snapshots");
        }
    }

    /**
     * What the framing before a stream's body says: the size from the 8-byte size header of the {@code +size}
     * formats or from the 32-byte header of {@code raw+sparse} (0 for formats without one), and the digest a
     * {@code raw+sparse} stream's end record carries ({@link ContentDigest#CURRENT} for other formats).
     */
    public record Framing(long size, ContentDigest.Version digest) {
    }

    /**
     * Reads the framing before the body.
     *
     * @throws StorageException {@code import: …} for a stream too short for its header, or a header that does not
     *                          read
     */
    public static Framing readFraming(StreamFormat format, ReadableByteChannel in) throws IOException {
        if (format == StreamFormat.RAW_SPARSE) {
            try {
                SparseFormat.Header h = SparseFormat.readHeader(in);
                return new Framing(h.size(), h.digest());
            } catch (FormatException e) {
                throw new StorageException("import: " + e.getMessage(), e);
            }
        }
        if (!format.hasSizeHeader()) {
            return new Framing(0, ContentDigest.CURRENT);
        }
        try {
            return new Framing(SizeHeader.read(in), ContentDigest.CURRENT);
        } catch (EOFException e) {
            throw new StorageException("import: " + e.getMessage());
        } catch (IOException e) {
            throw new StorageException("import: bad size header: " + e.getMessage(), e);
        }
    }

    /** The most a verbatim image stream may hold: internal snapshots let a file outgrow its virtual size. */
    public static long verbatimLimit(long virtualSize) {
        return virtualSize > (Long.MAX_VALUE - (1L << 30)) / 16 ? Long.MAX_VALUE : virtualSize * 16 + (1L << 30);
    }
}
