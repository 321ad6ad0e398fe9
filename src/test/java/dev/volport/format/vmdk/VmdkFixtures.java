package dev.volport.format.vmdk;

import dev.volport.testing.DigestChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.Deflater;

/** Byte-level builders for VMDK test images, written from the spec (image-formats.md B.3-B.5). */
final class VmdkFixtures {
    static final int SECTOR = 512;
    static final int GRAIN = 64 * 1024;

    private VmdkFixtures() {
    }

    /** Seeded data: per 64 KiB grain, all zero, all random, or zero with a few random 4 KiB blocks. */
    static byte[] sparseData(int size, long seed) {
        byte[] b = new byte[size];
        Random r = new Random(seed);
        for (int g = 0; g < size; g += GRAIN) {
            int kind = r.nextInt(3);
            for (int blk = g; blk < Math.min(size, g + GRAIN); blk += 4096) {
                if (kind == 1 || (kind == 2 && r.nextInt(8) == 0)) {
                    for (int i = blk; i < Math.min(size, blk + 4096); i++) {
                        b[i] = (byte) r.nextInt();
                    }
                }
            }
        }
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String descriptorText(String createType, long capacity, String extentLine) {
        return "# Disk DescriptorFile\nversion=1\nCID=12345678\nparentCID=ffffffff\ncreateType=\"" + createType
                + "\"\n\n# Extent description\n" + (extentLine != null ? extentLine
                        : "RW " + capacity + " SPARSE \"test.vmdk\"") + "\n\n#DDB\nddb.virtualHWVersion = \"4\"\n";
    }

    /** Positions inside a built stream, for tests that patch it. */
    record Stream(byte[] bytes, long firstGrainSector, long gdSector, long firstGtSector) {
    }

    /**
     * A streamOptimized file in VMware's layout: header with gdOffset GD_AT_END, descriptor, grain markers in lba
     * order, a GT marker + GT after each group of grains, GD marker + GD, footer marker + footer, EOS.
     *
     * @param raw guest data, a whole number of sectors
     */
    static Stream vmwareStream(byte[] raw) {
        long capacity = raw.length / SECTOR;
        int grainSectors = GRAIN / SECTOR;
        long grains = Math.ceilDiv(capacity, grainSectors);
        int gdEntries = (int) Math.ceilDiv(grains, 512);
        int gdSectors = (int) Math.ceilDiv(gdEntries * 4L, SECTOR);
        long overHead = 1 + 20;
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        SparseExtentHeader h = new SparseExtentHeader(3, 0x30001, capacity, grainSectors, 1, 20, 512, 0,
                SparseExtentHeader.GD_AT_END, overHead, false, SparseExtentHeader.LINE_ENDING_CHECK, 1);
        sectorPad(file, headerBytes(h));
        byte[] desc = descriptorSectors(descriptorText("streamOptimized", capacity, null));
        file.writeBytes(desc);
        int[] gd = new int[gdEntries];
        long firstGrain = -1;
        long firstGt = -1;
        Deflater deflater = new Deflater();
        for (int t = 0; t < gdEntries; t++) {
            int[] gt = new int[512];
            boolean any = false;
            for (int j = 0; j < 512; j++) {
                long g = (long) t * 512 + j;
                if (g >= grains) {
                    break;
                }
                int from = (int) (g * GRAIN);
                int len = Math.min(GRAIN, raw.length - from);
                if (isZero(raw, from, len)) {
                    continue;
                }
                long sector = file.size() / SECTOR;
                firstGrain = firstGrain < 0 ? sector : firstGrain;
                gt[j] = (int) sector;
                any = true;
                deflater.reset();
                deflater.setInput(raw, from, len);
                deflater.finish();
                byte[] buf = new byte[len * 2 + 64];
                int clen = deflater.deflate(buf);
                ByteBuffer m = ByteBuffer.allocate(12 + clen).order(ByteOrder.LITTLE_ENDIAN);
                m.putLong(g * grainSectors).putInt(clen).put(buf, 0, clen);
                sectorPad(file, m.array());
            }
            if (any) {
                sectorPad(file, marker(4, 1));
                long sector = file.size() / SECTOR;
                firstGt = firstGt < 0 ? sector : firstGt;
                gd[t] = (int) sector;
                sectorPad(file, ints(gt));
            }
        }
        deflater.end();
        sectorPad(file, marker(gdSectors, 2));
        long gdSector = file.size() / SECTOR;
        sectorPad(file, ints(gd));
        sectorPad(file, marker(1, 3));
        sectorPad(file, headerBytes(h.withGdOffset(gdSector)));
        file.writeBytes(new byte[SECTOR]);
        return new Stream(file.toByteArray(), firstGrain, gdSector, firstGt);
    }

    private static byte[] descriptorSectors(String text) {
        byte[] d = new byte[20 * SECTOR];
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, d, 0, t.length);
        return d;
    }

    static byte[] headerBytes(SparseExtentHeader h) {
        ByteBuffer b = ByteBuffer.allocate(SECTOR);
        h.write(b);
        return b.array();
    }

    static byte[] marker(long val, int type) {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, val).putInt(12, type);
        return b.array();
    }

    private static byte[] ints(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asIntBuffer().put(v);
        return b.array();
    }

    private static void sectorPad(ByteArrayOutputStream out, byte[] b) {
        out.writeBytes(b);
        int pad = (int) ((SECTOR - b.length % SECTOR) % SECTOR);
        out.writeBytes(new byte[pad]);
    }

    static boolean isZero(byte[] b, int from, int len) {
        for (int i = from; i < from + len; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A valid monolithicSparse header for {@code capacity} sectors laid out like QEMU's, with a file length. */
    static SparseExtentHeader sparseHeader(long capacity) throws IOException {
        return VmdkWriter.header(capacity * SECTOR);
    }

    static void putLong(byte[] b, int at, long v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    static void putInt(byte[] b, int at, int v) {
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    static int getInt(byte[] b, int at) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(at);
    }

    static Path write(Path p, byte[] b) throws IOException {
        return Files.write(p, b);
    }
}
