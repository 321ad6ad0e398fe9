package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.RawBodyEncoder;
import dev.volport.os.ZeroPages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A single-file VMDK opened for reading its guest content: monolithicSparse (with or without zeroed-grain entries)
 * and streamOptimized in both layouts, QEMU's (grain tables up front, no footer) and VMware's (grain directory
 * after the grains, found through the footer in the second-to-last sector).
 *
 * <p>{@link #open} checks the header, the footer where there is one, the descriptor and the location of the grain
 * directory. Grain tables and grains are checked as {@link #readRaw} reaches them; {@link VmdkValidator} checks them
 * all up front. The redundant grain directory is never read: the primary is the one QEMU and VMware read.
 *
 * <p>Memory: the grain directory (at most 4 MiB under {@link VmdkLimits}), one grain table and one grain; for
 * compressed grains also {@value #WINDOW} bytes read ahead and {@value #WINDOW} bytes of inflated output.
 * Not thread-safe. Closing does not close the file channel, which stays the caller's.
 */
public final class VmdkImage implements AutoCloseable {
    /** Bytes read ahead at a time for compressed grains, and gathered before a write of inflated grains. */
    static final int WINDOW = 1 << 20;

    private final FileChannel file;
    private final String name;
    private final long fileLength;
    private final SparseExtentHeader header;
    private final VmdkDescriptor descriptor;
    private final int[] gd;
    private final boolean gdAtEnd;
    private final ByteBuffer gtBuf;
    private int lastMarkerSize;
    private GrainCodec codec;
    /** Bytes of the file from {@link #windowAt}, read ahead for compressed grains (which follow each other). */
    private ByteBuffer window;
    private long windowAt = -1;

    private VmdkImage(FileChannel file, String name, long fileLength, SparseExtentHeader header,
            VmdkDescriptor descriptor, int[] gd, boolean gdAtEnd) {
        this.file = file;
        this.name = name;
        this.fileLength = fileLength;
        this.header = header;
        this.descriptor = descriptor;
        this.gd = gd;
        this.gdAtEnd = gdAtEnd;
        this.gtBuf = ByteBuffer.allocate(Math.toIntExact(header.gtSectors() * VmdkLimits.SECTOR))
                .order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Opens and checks a VMDK file.
     *
     * @param file readable; read with positional reads only
     * @param name the file or volume, for messages
     * @throws FormatException when the file is not a supported single-file VMDK or breaks a limit
     */
    public static VmdkImage open(FileChannel file, String name) throws IOException {
        long length = file.size();
        ByteBuffer first = ByteBuffer.allocate(SparseExtentHeader.BYTES);
        readAt(file, first, 0, name, "header");
        SparseExtentHeader h;
        try {
            h = SparseExtentHeader.parse(first.flip(), length);
        } catch (FormatException e) {
            throw new FormatException(name + ": " + e.getMessage(), e);
        }
        boolean atEnd = h.gdOffset() == SparseExtentHeader.GD_AT_END;
        if (atEnd) {
            h = footer(file, name, length, h);
        }
        ByteBuffer descBuf = ByteBuffer.allocate(Math.toIntExact(h.descriptorSize() * VmdkLimits.SECTOR));
        readAt(file, descBuf, h.descriptorOffset() * VmdkLimits.SECTOR, name, "descriptor");
        VmdkDescriptor d = VmdkDescriptor.parse(descBuf.flip(), name);
        checkAgreement(h, d, name);
        ByteBuffer gdBuf = ByteBuffer.allocate(Math.toIntExact(h.gdSectors() * VmdkLimits.SECTOR))
                .order(ByteOrder.LITTLE_ENDIAN);
        readAt(file, gdBuf, h.gdOffset() * VmdkLimits.SECTOR, name, "grain directory");
        int[] gd = new int[h.gdEntries()];
        gdBuf.flip().asIntBuffer().get(gd);
        return new VmdkImage(file, name, length, h, d, gd, atEnd);
    }

    /**
     * Reads and checks the footer of a stream whose header says {@code GD_AT_END}: the last three sectors must be
     * a footer marker, a header repeating the first one's fields with a real {@code gdOffset}, and the all-zero
     * end-of-stream marker.
     */
    private static SparseExtentHeader footer(FileChannel file, String name, long length, SparseExtentHeader h)
            throws IOException {
        String what = "VMDK " + name + ": grain directory at the end (GD_AT_END) without a valid footer: ";
        if (length % VmdkLimits.SECTOR != 0 || length < 4L * VmdkLimits.SECTOR) {
            throw new FormatException(what + "file length " + length + " is not a whole number of sectors,"
                    + " at least 4");
        }
        ByteBuffer tail = ByteBuffer.allocate(3 * VmdkLimits.SECTOR);
        long tailAt = length - tail.capacity();
        readAt(file, tail, tailAt, name, "footer");
        tail.flip();
        StreamMarker m;
        try {
            m = StreamMarker.parse(tail.slice(0, VmdkLimits.SECTOR), "byte " + tailAt + " of " + name);
        } catch (FormatException e) {
            throw new FormatException(what + e.getMessage(), e);
        }
        if (m.type() != StreamMarker.TYPE_FOOTER || m.val() != 1) {
            throw new FormatException(what + "the marker at byte " + tailAt + " has type " + m.type() + " and val "
                    + m.val() + ", expected type 3 (footer) and val 1");
        }
        for (int i = 2 * VmdkLimits.SECTOR; i < tail.limit(); i++) {
            if (tail.get(i) != 0) {
                throw new FormatException(what + "the last sector is not the all-zero end-of-stream marker");
            }
        }
        SparseExtentHeader f;
        try {
            f = SparseExtentHeader.parse(tail.slice(VmdkLimits.SECTOR, VmdkLimits.SECTOR), length);
        } catch (FormatException e) {
            throw new FormatException(what + "footer header: " + e.getMessage(), e);
        }
        if (f.gdOffset() == SparseExtentHeader.GD_AT_END) {
            throw new FormatException(what + "the footer says GD_AT_END too");
        }
        if (f.version() != h.version() || f.flags() != h.flags() || f.capacity() != h.capacity()
                || f.grainSize() != h.grainSize() || f.descriptorOffset() != h.descriptorOffset()
                || f.descriptorSize() != h.descriptorSize() || f.compressAlgorithm() != h.compressAlgorithm()
                || f.overHead() != h.overHead()) {
            throw new FormatException(what + "the footer disagrees with the header (" + f + " vs " + h + ")");
        }
        return f;
    }

    private static void checkAgreement(SparseExtentHeader h, VmdkDescriptor d, String name)
            throws FormatException {
        if (d.extent().sectors() != h.capacity()) {
            throw new FormatException("VMDK " + name + ": the descriptor's extent has " + d.extent().sectors()
                    + " sectors, the header's capacity is " + h.capacity());
        }
        boolean stream = h.has(SparseExtentHeader.FLAG_COMPRESSED | SparseExtentHeader.FLAG_MARKERS);
        if ((d.createType() == Subformat.STREAM_OPTIMIZED) != stream) {
            throw new FormatException(String.format("VMDK %s: createType %s with header flags 0x%x (%s)", name,
                    d.createType(), h.flags(), stream ? "compressed with markers" : "not stream-optimized"));
        }
    }

    /**
     * Whether {@code prefix} (the first bytes of a file, position unchanged) looks like any VMDK: a {@code KDMV} or
     * {@code COWD} extent, or descriptor text. Pure; for refusing a {@code raw+size} stream that is really a VMDK.
     */
    public static boolean matches(ByteBuffer prefix) {
        byte[] start = new byte[Math.min(prefix.remaining(), 64)];
        prefix.get(prefix.position(), start);
        String s = new String(start, java.nio.charset.StandardCharsets.ISO_8859_1);
        return s.startsWith("KDMV") || s.startsWith("COWD") || s.startsWith("# Disk DescriptorFile")
                || s.stripLeading().startsWith("version=");
    }

    /** Fills {@code buf} from byte {@code pos} of the file; the file ending first is an error naming {@code what}. */
    static void readAt(FileChannel file, ByteBuffer buf, long pos, String name, String what) throws IOException {
        long at = pos;
        while (buf.hasRemaining()) {
            int n = file.read(buf, at);
            if (n < 0) {
                throw new FormatException("VMDK " + name + ": file ends at byte " + at + " inside the " + what);
            }
            at += n;
        }
    }

    /** The header in force: the footer's for a stream whose directory is at the end. */
    public SparseExtentHeader header() {
        return header;
    }

    /** The embedded descriptor. */
    public VmdkDescriptor descriptor() {
        return descriptor;
    }

    /** The disk kind. */
    public Subformat subformat() {
        return descriptor.createType();
    }

    /** Whether the first header said GD_AT_END, so that {@link #header()} is the footer (VMware's layout). */
    public boolean gdAtEnd() {
        return gdAtEnd;
    }

    /** The guest size in bytes: capacity × 512. */
    public long virtualSize() {
        return header.capacityBytes();
    }

    /** The file's length when it was opened. */
    long fileLength() {
        return fileLength;
    }

    String name() {
        return name;
    }

    FileChannel file() {
        return file;
    }

    /** The grain table sector for directory entry {@code index} (0 = no table), unsigned. */
    long gdEntry(int index) {
        return Integer.toUnsignedLong(gd[index]);
    }

    /** Reads the grain table at {@code sector} (checked to lie inside the file) into {@code into}. */
    void readGt(int index, long sector, int[] into) throws IOException {
        SparseExtentHeader.inside("grain table " + index, sector, header.gtSectors(), fileLength);
        gtBuf.clear();
        readAt(file, gtBuf, sector * VmdkLimits.SECTOR, name, "grain table " + index);
        gtBuf.flip().asIntBuffer().get(into, 0, header.numGTEsPerGT());
    }

    /** Guest bytes of grain {@code grain}: a whole grain, or less for the last one. */
    int grainLength(long grain) {
        return (int) Math.min(header.grainBytes(), virtualSize() - grain * header.grainBytes());
    }

    /**
     * Checks that a grain table entry (neither 0 nor a zeroed-grain 1) may point to data: not into the metadata
     * before {@code overHead} and, for an uncompressed grain, with its guest bytes inside the file.
     */
    void checkGrainSector(long grain, long sector) throws FormatException {
        if (sector < header.overHead()) {
            throw new FormatException("VMDK " + name + ": grain " + grain + " maps to sector " + sector
                    + ", inside the metadata before overHead " + header.overHead());
        }
        if (!header.has(SparseExtentHeader.FLAG_COMPRESSED)
                && sector * VmdkLimits.SECTOR > fileLength - grainLength(grain)) {
            throw new FormatException("VMDK " + name + ": grain " + grain + " at sector " + sector
                    + " lies beyond the end of the file (" + fileLength + " bytes)");
        }
    }

    /**
     * Reads, checks and inflates the compressed grain at {@code sector}.
     *
     * @return the grain's guest bytes, valid until the next call
     */
    ByteBuffer compressedGrain(long grain, long sector) throws IOException {
        return compressedGrain(grain, sector, null);
    }

    /**
     * As {@link #compressedGrain(long, long)}, inflating into {@code into} (exactly one grain of room) when it is
     * not null.
     */
    private ByteBuffer compressedGrain(long grain, long sector, ByteBuffer into) throws IOException {
        int most = Math.toIntExact(StreamMarker.GrainMarker.BYTES + VmdkLimits.maxCompressedGrain(header.grainBytes()));
        if (codec == null) {
            codec = new GrainCodec(header.grainBytes());
            window = ByteBuffer.allocateDirect(Math.max(WINDOW, most));
        }
        long pos = sector * VmdkLimits.SECTOR;
        int length = (int) Math.min(most, fileLength - pos);
        if (length < StreamMarker.GrainMarker.BYTES) {
            throw new FormatException("VMDK grain " + grain + " at sector " + sector + " of " + name
                    + " lies beyond the end of the file");
        }
        if (windowAt < 0 || pos < windowAt || pos + length > windowAt + window.limit()) {
            // Refill from pos: as much as fits, never past the end of the file.
            windowAt = -1;
            window.clear().limit((int) Math.min(window.capacity(), fileLength - pos));
            readAt(file, window, pos, name, "grain " + grain);
            window.flip();
            windowAt = pos;
        }
        ByteBuffer compressed = window.slice((int) (pos - windowAt), length);
        String where = "sector " + sector + " of " + name;
        StreamMarker.GrainMarker m = StreamMarker.GrainMarker.parse(compressed, header,
                grain * header.grainSize(), where);
        if (m.size() > compressed.limit() - StreamMarker.GrainMarker.BYTES) {
            throw new FormatException("VMDK grain marker at " + where + ": " + m.size()
                    + " compressed bytes run past the end of the file");
        }
        lastMarkerSize = m.size();
        ByteBuffer data = compressed.slice(StreamMarker.GrainMarker.BYTES, m.size());
        return codec.inflate(data, grainLength(grain), where, into);
    }

    /** The compressed size of the grain {@link #compressedGrain} read last. */
    int lastMarkerSize() {
        return lastMarkerSize;
    }

    /**
     * Writes the whole guest content, {@link #virtualSize()} bytes in order, to {@code out}: {@link #read} into a
     * {@link RawBodyEncoder} (uncompressed grains by {@code sendfile}, zeros spliced by {@link ZeroPages}).
     * {@code out} is only written, never positioned, so a pipe will do.
     *
     * @throws FormatException when a grain table or grain breaks a rule; bytes before it were already written
     */
    public void readRaw(WritableByteChannel out, Progress progress) throws IOException {
        read(new RawBodyEncoder(out, ZeroPages::write, progress, "VMDK " + name));
    }

    /**
     * Emits the whole guest content, {@link #virtualSize()} bytes in order, into {@code sink}, then finishes it.
     * Unallocated and zeroed grains are {@link ExtentSink#zeros}; uncompressed grains are {@link ExtentSink#data}
     * ranges of this file (the sink merges adjacent ones); compressed grains are inflated into a direct buffer of
     * up to {@value #WINDOW} bytes, which goes to the sink as one {@link ExtentSink#bytes} event when it is full
     * or another kind of event follows.
     *
     * @throws FormatException when a grain table or grain breaks a rule; the sink has had the events before it
     *     and is not finished
     */
    public void read(ExtentSink sink) throws IOException {
        Inflated inflated = new Inflated(sink);
        int perGt = header.numGTEsPerGT();
        int[] gt = new int[perGt];
        boolean compressed = header.has(SparseExtentHeader.FLAG_COMPRESSED);
        boolean zeroed = header.has(SparseExtentHeader.FLAG_ZEROED_GRAIN_GTE);
        long grains = header.grains();
        for (int i = 0; i < gd.length; i++) {
            long gtSector = gdEntry(i);
            if (gtSector != 0) {
                readGt(i, gtSector, gt);
            }
            for (int j = 0; j < perGt; j++) {
                long grain = (long) i * perGt + j;
                if (grain >= grains) {
                    break;
                }
                int len = grainLength(grain);
                long gte = gtSector == 0 ? 0 : Integer.toUnsignedLong(gt[j]);
                if (gte == 0 || (gte == 1 && zeroed)) {
                    inflated.flush();
                    sink.zeros(len);
                    continue;
                }
                checkGrainSector(grain, gte);
                if (compressed) {
                    inflated.add(grain, gte);
                } else {
                    inflated.flush();
                    sink.data(file, gte * VmdkLimits.SECTOR, len);
                }
            }
        }
        inflated.flush();
        sink.finish();
    }

    /** Gathers inflated grains so that the sink gets them in large pieces, without a copy of their own. */
    private final class Inflated {
        private final ExtentSink sink;
        /** Inflated grains not yet emitted (direct, so writing them to a channel needs no copy). */
        private ByteBuffer staged;

        Inflated(ExtentSink sink) {
            this.sink = sink;
        }

        /** Inflates the compressed grain at {@code sector} straight into the gathered output. */
        void add(long grain, long sector) throws IOException {
            int grainBytes = Math.toIntExact(header.grainBytes());
            if (staged == null) {
                staged = ByteBuffer.allocateDirect(Math.max(WINDOW / grainBytes, 1) * grainBytes);
            }
            if (staged.remaining() < grainBytes) {
                flush();
            }
            ByteBuffer into = staged.slice(staged.position(), grainBytes);
            ByteBuffer got = compressedGrain(grain, sector, into);
            staged.position(staged.position() + got.remaining());
        }

        void flush() throws IOException {
            if (staged == null || staged.position() == 0) {
                return;
            }
            sink.bytes(staged.flip());
            staged.clear();
        }
    }

    @Override
    public void close() {
        if (codec != null) {
            codec.close();
        }
    }
}
