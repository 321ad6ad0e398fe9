package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;

/**
 * Checks a whole single-file VMDK before it is stored as a volume ({@code vmdk+size} imports): everything
 * {@link VmdkImage#open} checks, then every table and grain. Policies beyond the spec's letter, chosen because every
 * writer we know follows them and they make overlaps cheap to find:
 * <ul>
 * <li>the image's capacity in bytes equals the size the stream header declared;</li>
 * <li>every grain directory, redundant directory, grain table and grain lies inside the file, and no two of them
 * share a sector (so no grain is mapped twice);</li>
 * <li>uncompressed images keep their tables before {@code overHead} and their grains on the grain grid that starts
 * at {@code overHead};</li>
 * <li>a zeroed-grain entry (1) appears only when the header allows it;</li>
 * <li>compressed grains carry the lba of their table slot and inflate to exactly their grain;</li>
 * <li>in VMware's layout each grain table and the directory are preceded by their marker.</li>
 * </ul>
 * Memory: one bit per sector of a compressed file, one bit per grain slot and per metadata sector of an
 * uncompressed one (a 2 TiB image of 64 KiB grains: 4 MiB), plus the directory.
 */
public final class VmdkValidator {
    private VmdkValidator() {
    }

    /**
     * What a valid file holds.
     *
     * @param subformat the disk kind
     * @param virtualSize guest bytes
     * @param dataGrains grains with data
     * @param zeroedGrains grains marked as zeros (entry 1)
     */
    public record Summary(Subformat subformat, long virtualSize, long dataGrains, long zeroedGrains) {
    }

    /**
     * Validates {@code file}.
     *
     * @param name the file or volume, for messages
     * @param declaredVirtualSize the size header of the {@code vmdk+size} stream, in bytes
     * @throws FormatException naming the first problem found
     */
    public static Summary validate(FileChannel file, String name, long declaredVirtualSize) throws IOException {
        try (VmdkImage image = VmdkImage.open(file, name)) {
            SparseExtentHeader h = image.header();
            if (declaredVirtualSize != image.virtualSize()) {
                throw new FormatException("VMDK " + name + ": the stream's size header says " + declaredVirtualSize
                        + " bytes, the image's capacity is " + h.capacity() + " sectors (" + image.virtualSize()
                        + " bytes)");
            }
            return new Walk(image).run();
        }
    }

    /** One pass over all tables and grains. */
    private static final class Walk {
        private final VmdkImage image;
        private final SparseExtentHeader h;
        private final String name;
        private final boolean compressed;
        private final long fileSectors;
        /** Compressed: all sectors of the file. Uncompressed: the metadata sectors before overHead. */
        private final SectorMap sectors;
        /** Uncompressed only: grain slots from overHead. */
        private final SectorMap slots;

        Walk(VmdkImage image) {
            this.image = image;
            this.h = image.header();
            this.name = image.name();
            this.compressed = h.has(SparseExtentHeader.FLAG_COMPRESSED);
            this.fileSectors = image.fileLength() / VmdkLimits.SECTOR;
            this.sectors = new SectorMap(compressed ? fileSectors + 1 : h.overHead());
            this.slots = compressed ? null : new SectorMap((fileSectors - h.overHead()) / h.grainSize() + 1);
        }

        Summary run() throws IOException {
            metadata(0, 1, "header");
            metadata(h.descriptorOffset(), h.descriptorSize(), "descriptor");
            if (image.gdAtEnd()) {
                long last = fileSectors - 3;
                metadata(last, 3, "footer marker, footer and end-of-stream marker");
                marker(h.gdOffset() - 1, StreamMarker.TYPE_GD, h.gdSectors(), "grain directory");
            }
            metadata(h.gdOffset(), h.gdSectors(), "grain directory");
            if (h.has(SparseExtentHeader.FLAG_REDUNDANT_GD)) {
                redundant();
            }
            long data = 0;
            long zeroed = 0;
            int perGt = h.numGTEsPerGT();
            int[] gt = new int[perGt];
            for (int i = 0; i < h.gdEntries(); i++) {
                long gtSector = image.gdEntry(i);
                if (gtSector == 0) {
                    continue;
                }
                image.readGt(i, gtSector, gt);
                if (image.gdAtEnd()) {
                    marker(gtSector - 1, StreamMarker.TYPE_GT, h.gtSectors(), "grain table " + i);
                }
                metadata(gtSector, h.gtSectors(), "grain table " + i);
                for (int j = 0; j < perGt; j++) {
                    long grain = (long) i * perGt + j;
                    long gte = Integer.toUnsignedLong(gt[j]);
                    if (gte == 0) {
                        continue;
                    }
                    if (grain >= h.grains()) {
                        throw new FormatException("VMDK " + name + ": grain table " + i + " maps grain " + grain
                                + " beyond the capacity (" + h.grains() + " grains)");
                    }
                    if (gte == 1 && h.has(SparseExtentHeader.FLAG_ZEROED_GRAIN_GTE)) {
                        zeroed++;
                        continue;
                    }
                    if (gte == 1) {
                        throw new FormatException("VMDK " + name + ": grain " + grain + " has the zeroed-grain entry 1,"
                                + " but the header does not enable zeroed grains");
                    }
                    image.checkGrainSector(grain, gte);
                    grain(grain, gte);
                    data++;
                }
            }
            return new Summary(image.subformat(), image.virtualSize(), data, zeroed);
        }

        private void grain(long grain, long sector) throws IOException {
            String what = "VMDK " + name + ": grain " + grain + " at sector " + sector;
            if (compressed) {
                image.compressedGrain(grain, sector);
                long span = Math.ceilDiv(StreamMarker.GrainMarker.BYTES + (long) image.lastMarkerSize(),
                        VmdkLimits.SECTOR);
                sectors.mark(sector, span, what);
                return;
            }
            long rel = sector - h.overHead();
            if (rel % h.grainSize() != 0) {
                throw new FormatException(what + " is not on the grain grid from overHead " + h.overHead());
            }
            slots.mark(rel / h.grainSize(), 1, what);
        }

        /** Marks a table or other metadata, checking it is inside the file (and, uncompressed, before overHead). */
        private void metadata(long start, long count, String what) throws FormatException {
            if (start != 0) {
                SparseExtentHeader.inside(what, start, count, image.fileLength());
            }
            if (!compressed && start + count > h.overHead()) {
                throw new FormatException("VMDK " + name + ": " + what + " at sector " + start + ", " + count
                        + " sectors long, reaches past overHead " + h.overHead() + " into the grain area");
            }
            sectors.mark(start, count, "VMDK " + name + ": " + what + " at sector " + start);
        }

        /** Checks and marks the metadata marker in the sector before a table of VMware's layout. */
        private void marker(long at, int type, long val, String what) throws IOException {
            if (at < 1) {
                throw new FormatException("VMDK " + name + ": no room for the marker before the " + what);
            }
            ByteBuffer b = ByteBuffer.allocate(VmdkLimits.SECTOR);
            VmdkImage.readAt(image.file(), b, at * VmdkLimits.SECTOR, name, "marker of the " + what);
            StreamMarker m = StreamMarker.parse(b.flip(), "sector " + at + " of " + name);
            if (m.type() != type || m.val() != val) {
                throw new FormatException("VMDK " + name + ": the marker before the " + what + " (sector " + at
                        + ") has type " + m.type() + " and val " + m.val() + ", expected type " + type
                        + " and val " + val);
            }
            sectors.mark(at, 1, "VMDK " + name + ": marker of the " + what);
        }

        /** The redundant directory and its tables: inside the file, not overlapping anything. Contents unused. */
        private void redundant() throws IOException {
            metadata(h.rgdOffset(), h.gdSectors(), "redundant grain directory");
            ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(h.gdSectors() * VmdkLimits.SECTOR))
                    .order(ByteOrder.LITTLE_ENDIAN);
            VmdkImage.readAt(image.file(), b, h.rgdOffset() * VmdkLimits.SECTOR, name, "redundant grain directory");
            b.flip();
            for (int i = 0; i < h.gdEntries(); i++) {
                long gt = Integer.toUnsignedLong(b.getInt(i * 4));
                if (gt != 0) {
                    metadata(gt, h.gtSectors(), "redundant grain table " + i);
                }
            }
        }
    }
}
