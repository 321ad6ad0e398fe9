package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyDecoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes monolithicSparse VMDK files laid out as {@code qemu-img create -f vmdk} lays them out (image-formats.md
 * B.4): header, a 20-sector embedded descriptor at sector 1, the redundant grain directory at sector 21 and all its
 * grain tables, then the grain directory and all its tables, grains of 64 KiB from {@code overHead} (the end of the
 * tables rounded up to a grain). Tables are pre-allocated and left as holes until a grain lands in them.
 *
 * <p>Capacity counts 512-byte sectors, so a size that is not a multiple of 512 is rounded up: the image's virtual
 * size is the next multiple of 512 and the added bytes read as zeros. Callers that must keep an exact byte size
 * (the {@code vmdk+size} header) should use the image's size, as QEMU and Proxmox do.
 */
public final class VmdkWriter {
    /** Sectors per grain written: 128 (64 KiB), QEMU's and VMware's default. */
    public static final long GRAIN_SECTORS = 128;
    /** Sectors reserved for the embedded descriptor, as QEMU does. */
    public static final long DESCRIPTOR_SECTORS = 20;
    /** The extent name written when the caller gives none; it is informational and never opened. */
    public static final String DEFAULT_EXTENT_NAME = "disk.vmdk";
    /** Bytes of the raw stream read per round by {@link #convert}: a whole number of grains. */
    static final int BUFFER = 1 << 20;

    private VmdkWriter() {
    }

    /**
     * Writes an empty monolithicSparse image of {@code virtualSize} bytes (rounded up to a sector) into {@code out},
     * which must be empty.
     *
     * @throws FormatException when the size is 0 or above {@link VmdkLimits#MAX_CAPACITY_SECTORS} sectors
     *                         ({@link #checkSize})
     * @throws IllegalArgumentException when {@code out} is not empty
     */
    public static void create(FileChannel out, long virtualSize) throws IOException {
        create(out, virtualSize, DEFAULT_EXTENT_NAME);
    }

    /**
     * As {@link #create(FileChannel, long)}, naming the extent {@code extentName} in the descriptor (conventionally
     * the file's own name).
     *
     * @throws IllegalArgumentException when the name has a {@code /}, a quote or a control character
     */
    public static void create(FileChannel out, long virtualSize, String extentName) throws IOException {
        writeMetadata(out, header(virtualSize), extentName);
    }

    /**
     * Converts exactly {@code size} bytes of raw image read from {@code raw} into a monolithicSparse image in
     * {@code out} (empty), writing only grains that hold a non-zero byte. The stream must end right after those
     * bytes.
     *
     * @return bytes of grain data written (a multiple of 64 KiB)
     * @throws FormatException when the stream ends early or goes on, or the size is outside the capacity limits
     */
    public static long convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress)
            throws IOException {
        SparseExtentHeader h = header(size);
        writeMetadata(out, h, DEFAULT_EXTENT_NAME);
        VmdkConvertSink sink = new VmdkConvertSink(out, h);
        try {
            new RawBodyDecoder().read(raw, size, sink, progress);
        } catch (ExtentException e) {
            throw new FormatException(e.getMessage(), e);
        }
        return sink.grainBytes();
    }

    /**
     * A sink that builds a monolithicSparse image of exactly {@code size} bytes in {@code out} (empty) from the
     * events it receives, as {@link #convert} does from a raw stream; the image is complete when
     * {@link ExtentSink#finish} returns.
     *
     * @throws FormatException for a size outside the capacity limits ({@link #checkSize})
     */
    public static ExtentSink sink(FileChannel out, long size) throws IOException {
        SparseExtentHeader h = header(size);
        writeMetadata(out, h, DEFAULT_EXTENT_NAME);
        return new ExactLengthSink(new VmdkConvertSink(out, h), size, "raw image for a new VMDK file");
    }

    /**
     * Refuses a size this writer cannot store. Above {@link VmdkLimits#MAX_CAPACITY_SECTORS} sectors (2 TiB) the
     * u32 sector numbers of grain tables run out. Size 0 is refused as well: {@code qemu-img create -f vmdk F 0}
     * writes a sparse extent of capacity 0, but QEMU then reads such a header as a wrapper around a descriptor file
     * and cannot open it ("Unsupported image type 'monolithicSparse'"), nor can volport's reader, so the image
     * would be unusable. Every size from 1 byte to the limit works; a partial last sector reads as zeros.
     *
     * @throws FormatException naming the size and the limit; the caller adds the volume
     */
    public static void checkSize(long virtualSize) throws FormatException {
        long max = VmdkLimits.MAX_CAPACITY_SECTORS * VmdkLimits.SECTOR;
        if (virtualSize < 0) {
            throw new FormatException("VMDK size " + virtualSize + " bytes is negative");
        }
        if (virtualSize == 0) {
            throw new FormatException("a VMDK cannot be empty (size 0): QEMU cannot open a sparse extent of"
                    + " capacity 0, so the smallest VMDK is 1 sector (512 bytes)");
        }
        if (virtualSize > max) {
            throw new FormatException("size " + virtualSize + " bytes is above the VMDK limit of " + max
                    + " bytes (2 TiB: grain tables address at most 2^32 sectors)");
        }
    }

    /** The header of a new image of {@code virtualSize} bytes. */
    static SparseExtentHeader header(long virtualSize) throws FormatException {
        checkSize(virtualSize);
        long capacity = Math.ceilDiv(virtualSize, VmdkLimits.SECTOR);
        long grains = Math.ceilDiv(capacity, GRAIN_SECTORS);
        long gdEntries = Math.ceilDiv(grains, VmdkLimits.GTES_PER_GT);
        long gdSectors = Math.ceilDiv(gdEntries * 4, VmdkLimits.SECTOR);
        long gtSectors = VmdkLimits.GTES_PER_GT * 4L / VmdkLimits.SECTOR;
        long rgdOffset = 1 + DESCRIPTOR_SECTORS;
        long gdOffset = rgdOffset + gdSectors + gdEntries * gtSectors;
        long end = gdOffset + gdSectors + gdEntries * gtSectors;
        long overHead = Math.ceilDiv(end, GRAIN_SECTORS) * GRAIN_SECTORS;
        return new SparseExtentHeader(1, SparseExtentHeader.FLAG_VALID_NEWLINE_TEST
                | SparseExtentHeader.FLAG_REDUNDANT_GD, capacity, GRAIN_SECTORS, 1, DESCRIPTOR_SECTORS,
                VmdkLimits.GTES_PER_GT, rgdOffset, gdOffset, overHead, false, SparseExtentHeader.LINE_ENDING_CHECK,
                SparseExtentHeader.COMPRESSION_NONE);
    }

    /** Header, descriptor, both directories (tables stay holes), and the file extended to {@code overHead}. */
    private static void writeMetadata(FileChannel out, SparseExtentHeader h, String extentName) throws IOException {
        if (out.size() != 0) {
            throw new IllegalArgumentException("VMDK target must be empty, has " + out.size() + " bytes");
        }
        checkExtentName(extentName);
        ByteBuffer head = ByteBuffer.allocate((int) ((1 + DESCRIPTOR_SECTORS) * VmdkLimits.SECTOR));
        h.write(head);
        byte[] text = VmdkDescriptor.render(Subformat.MONOLITHIC_SPARSE, ThreadLocalRandom.current().nextInt(),
                h.capacity(), extentName).getBytes(StandardCharsets.US_ASCII);
        if (text.length > DESCRIPTOR_SECTORS * VmdkLimits.SECTOR) {
            throw new IllegalArgumentException("extent name too long for the descriptor: " + extentName.length());
        }
        head.put(text).clear();
        writeAt(out, head, 0);
        long gtSectors = h.gtSectors();
        ByteBuffer gd = ByteBuffer.allocate(Math.toIntExact(h.gdSectors() * VmdkLimits.SECTOR))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (long[] dir : new long[][] {{h.rgdOffset()}, {h.gdOffset()}}) {
            gd.clear();
            long firstGt = dir[0] + h.gdSectors();
            for (int i = 0; i < h.gdEntries(); i++) {
                gd.putInt(i * 4, (int) (firstGt + i * gtSectors));
            }
            writeAt(out, gd, dir[0] * VmdkLimits.SECTOR);
        }
        if (out.size() < h.overHead() * VmdkLimits.SECTOR) {
            writeAt(out, ByteBuffer.allocate(1), h.overHead() * VmdkLimits.SECTOR - 1);
        }
    }

    private static void checkExtentName(String name) {
        if (name.isEmpty() || name.indexOf('/') >= 0 || name.indexOf('"') >= 0 || name.indexOf(':') >= 0
                || name.chars().anyMatch(c -> c < 0x20 || c >= 0x7f)) {
            throw new IllegalArgumentException("extent name must be a plain ASCII file name: " + name);
        }
    }

    static void writeAt(FileChannel out, ByteBuffer b, long pos) throws IOException {
        long at = pos;
        while (b.hasRemaining()) {
            at += out.write(b, at);
        }
    }

    /**
     * Collects the entries of one grain table at a time and writes it, to both the primary and the redundant
     * table, when the conversion moves past it. Grains arrive in increasing order.
     */
    static final class GrainTableWriter {
        private final FileChannel out;
        private final SparseExtentHeader h;
        private final ByteBuffer gt;
        private long table = -1;
        private boolean dirty;

        GrainTableWriter(FileChannel out, SparseExtentHeader h) {
            this.out = out;
            this.h = h;
            this.gt = ByteBuffer.allocate(Math.toIntExact(h.gtSectors() * VmdkLimits.SECTOR))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }

        void map(long grain, long sector) throws IOException {
            long t = grain / h.numGTEsPerGT();
            if (t != table) {
                flush();
                table = t;
                gt.clear();
                while (gt.hasRemaining()) {
                    gt.put((byte) 0);
                }
            }
            gt.putInt((int) (grain % h.numGTEsPerGT()) * 4, (int) sector);
            dirty = true;
        }

        void flush() throws IOException {
            if (!dirty) {
                return;
            }
            for (long dir : new long[] {h.rgdOffset(), h.gdOffset()}) {
                long gtSector = dir + h.gdSectors() + table * h.gtSectors();
                writeAt(out, gt.clear(), gtSector * VmdkLimits.SECTOR);
            }
            dirty = false;
        }
    }
}
