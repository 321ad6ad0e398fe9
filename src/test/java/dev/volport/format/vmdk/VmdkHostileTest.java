package dev.volport.format.vmdk;

import static dev.volport.format.vmdk.VmdkFixtures.SECTOR;
import static dev.volport.format.vmdk.VmdkFixtures.getInt;
import static dev.volport.format.vmdk.VmdkFixtures.putInt;
import static dev.volport.format.vmdk.VmdkFixtures.putLong;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.volport.format.FormatException;
import dev.volport.testing.DigestChannel;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The VMDK items of hostile-inputs.md §3.4 (numbered as there) and more, each built here byte by byte and each
 * refused with a message naming the problem. "Refused" means by both the reader ({@code open} + {@code readRaw})
 * and the validator, unless only the validator's extra rules catch it.
 */
class VmdkHostileTest {
    /** Base image: 2 MiB monolithicSparse, grains 0 and 1 with data; rgd 21, gd 26, gt 27, overHead 128. */
    private static final int GD = 26 * SECTOR;
    private static final int GT = 27 * SECTOR;
    private static final long SIZE = 2 << 20;

    @TempDir
    Path tmp;
    private int files;

    private byte[] base() throws IOException {
        byte[] data = new byte[(int) SIZE];
        Arrays.fill(data, 0, 128 * 1024, (byte) 0x5a);
        Path p = tmp.resolve("base" + files++ + ".vmdk");
        try (FileChannel out = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            VmdkWriter.convert(Channels.newChannel(new ByteArrayInputStream(data)), SIZE, out, Progress.NONE);
        }
        byte[] b = Files.readAllBytes(p);
        assertThat(getInt(b, GD)).isEqualTo(27);
        assertThat(getInt(b, GT)).isEqualTo(128);
        return b;
    }

    private Path file(byte[] b) throws IOException {
        return Files.write(tmp.resolve("h" + files++ + ".vmdk"), b);
    }

    /** Asserts that reading and validating both fail with a FormatException containing {@code fragment}. */
    private void refused(byte[] b, long declared, String fragment) throws IOException {
        Path p = file(b);
        Throwable read = catchThrowable(() -> {
            try (FileChannel ch = FileChannel.open(p); VmdkImage image = VmdkImage.open(ch, "hostile.vmdk")) {
                image.readRaw(new DigestChannel(), Progress.NONE);
            }
        });
        assertThat(read).isInstanceOf(FormatException.class).hasMessageContaining(fragment);
        validatorRefuses(p, declared, fragment);
    }

    private void validatorRefuses(Path p, long declared, String fragment) throws IOException {
        Throwable v = catchThrowable(() -> {
            try (FileChannel ch = FileChannel.open(p)) {
                VmdkValidator.validate(ch, "hostile.vmdk", declared);
            }
        });
        assertThat(v).isInstanceOf(FormatException.class).hasMessageContaining(fragment);
    }

    private static byte[] descriptorRegion(String text) {
        byte[] d = new byte[20 * SECTOR];
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, d, 0, t.length);
        return d;
    }

    private byte[] withDescriptor(String text) throws IOException {
        byte[] b = base();
        System.arraycopy(descriptorRegion(text), 0, b, SECTOR, 20 * SECTOR);
        return b;
    }

    private static final String FLAT_LEAK = "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
            + "createType=\"monolithicFlat\"\nRW 2048 FLAT \"/etc/hosts\" 0\n";

    @Test
    void item42FlatDescriptorNamingAHostFile() throws IOException {
        refused(Arrays.copyOf(FLAT_LEAK.getBytes(StandardCharsets.US_ASCII), 512), 1 << 20, "descriptor only");
    }

    @Test
    void item43SparseExtentNamingEtcHosts() throws IOException {
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, "RW 4096 SPARSE \"/etc/hosts\"")),
                SIZE, "names another file \"/etc/hosts\"");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, "RW 4096 SPARSE \"..\"")),
                SIZE, "names another file");
    }

    @Test
    void item45MultiExtentDescriptors() throws IOException {
        String lines = "RW 2048 FLAT \"/etc/passwd\" 0\nRW 2048 ZERO\nRW 2048 FLAT \"../../x\" 0\nRW 2048 VMFS \"/dev/sda\"";
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, lines)), SIZE,
                "extent type FLAT is not supported");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096,
                "RW 2048 SPARSE \"a.vmdk\"\nRW 2048 SPARSE \"b.vmdk\"")), SIZE, "a second extent");
        refused(withDescriptor(VmdkFixtures.descriptorText("vmfs", 4096, "RW 4096 VMFS \"x-flat.vmdk\"")), SIZE,
                "extent type VMFS");
        refused(Arrays.copyOf(("# Disk DescriptorFile\nversion=1\ncreateType=\"twoGbMaxExtentFlat\"\n" + lines)
                .getBytes(StandardCharsets.US_ASCII), 1024), SIZE, "descriptor only");
    }

    @Test
    void item46RawThatIsAVmdkIsRecognised() throws IOException {
        assertThat(VmdkImage.matches(ByteBuffer.wrap(FLAT_LEAK.getBytes(StandardCharsets.US_ASCII)))).isTrue();
        assertThat(VmdkImage.matches(ByteBuffer.wrap(base()))).isTrue();
        assertThat(VmdkImage.matches(ByteBuffer.wrap(new byte[512]))).isFalse();
    }

    @Test
    void item47Version4() throws IOException {
        byte[] b = base();
        putInt(b, 4, 4);
        refused(b, SIZE, "version 4 outside [1, 3]");
    }

    @Test
    void item48CapacityHuge() throws IOException {
        byte[] b = base();
        putLong(b, 12, 1L << 56);
        refused(b, SIZE, "capacity 72057594037927936 outside [1, 4294967296]");
    }

    @Test
    void item50NumGtesHuge() throws IOException {
        byte[] b = base();
        putInt(b, 44, 16 << 20);
        refused(b, SIZE, "numGTEsPerGT 16777216 is not 512");
    }

    @Test
    void grainSizeNotAPowerOfTwoOrOutOfRange() throws IOException {
        byte[] b = base();
        putLong(b, 20, 96);
        refused(b, SIZE, "grainSize 96 is not a power of two");
        putLong(b, 20, 1L << 21);
        refused(b, SIZE, "grainSize 2097152 outside [8, 2048]");
    }

    @Test
    void item51GdAtEndWithoutFooter() throws IOException {
        byte[] good = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 7)).bytes();
        refused(Arrays.copyOf(good, good.length - 3 * SECTOR), 1 << 20, "without a valid footer");
        byte[] eos = good.clone();
        eos[eos.length - 100] = 1;
        refused(eos, 1 << 20, "end-of-stream");
        byte[] footerSaysEnd = good.clone();
        putLong(footerSaysEnd, footerSaysEnd.length - 2 * SECTOR + 56, -1L);
        refused(footerSaysEnd, 1 << 20, "the footer says GD_AT_END too");
        byte[] disagree = good.clone();
        putLong(disagree, disagree.length - 2 * SECTOR + 12, 4096);
        refused(disagree, 1 << 20, "disagrees with the header");
    }

    @Test
    void item53GdGtAndGrainBeyondEof() throws IOException {
        byte[] gd = base();
        putLong(gd, 56, 0xff000000L);
        refused(gd, SIZE, "grain directory (gdOffset) at sector 4278190080");
        byte[] gt = base();
        putInt(gt, GD, 0xff000000);
        refused(gt, SIZE, "grain table 0 at sector 4278190080");
        byte[] grain = base();
        putInt(grain, GT, 0x7fff0000);
        refused(grain, SIZE, "grain 0 at sector 2147418112 lies beyond the end of the file");
    }

    @Test
    void item54DescriptorOffsetBeyondEof() throws IOException {
        byte[] b = base();
        putLong(b, 28, 0x7fffffffL);
        putLong(b, 36, 0xffffffffL);
        refused(b, SIZE, "descriptorSize 4294967295 outside [1, 2048]");
        putLong(b, 36, 20);
        refused(b, SIZE, "descriptor at sector 2147483647");
    }

    @Test
    void item56StreamWithBrokenZlib() throws IOException {
        VmdkFixtures.Stream s = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 8));
        byte[] b = s.bytes().clone();
        int data = (int) (s.firstGrainSector() * SECTOR) + 12;
        b[data] = 0x12;
        b[data + 1] = 0x34;
        refused(b, 1 << 20, "is not valid zlib data");
    }

    @Test
    void item57GrainMarkerLbaInconsistent() throws IOException {
        VmdkFixtures.Stream s = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 9));
        int marker = (int) (s.firstGrainSector() * SECTOR);
        long lba = ByteBuffer.wrap(s.bytes()).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(marker);
        byte[] moved = s.bytes().clone();
        putLong(moved, marker, lba + 128);
        refused(moved, 1 << 20, "but the grain table maps it at lba " + lba);
        byte[] unaligned = s.bytes().clone();
        putLong(unaligned, marker, lba + 1);
        refused(unaligned, 1 << 20, "is not a multiple of the grain size");
        byte[] beyond = s.bytes().clone();
        putLong(beyond, marker, 1L << 40);
        refused(beyond, 1 << 20, "beyond the capacity");
        byte[] huge = s.bytes().clone();
        putInt(huge, marker + 8, 0x7fffffff);
        refused(huge, 1 << 20, "compressed size 2147483647 outside");
    }

    @Test
    void item59GrainInflatingBeyondOneGrainAndShortGrains() throws IOException {
        VmdkFixtures.Stream s = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 10));
        int marker = (int) (s.firstGrainSector() * SECTOR);
        byte[] bomb = s.bytes().clone();
        byte[] z = zlib(new byte[1 << 20]);
        putInt(bomb, marker + 8, z.length);
        System.arraycopy(z, 0, bomb, marker + 12, z.length);
        refused(bomb, 1 << 20, "inflates to more than one grain");
        byte[] small = s.bytes().clone();
        byte[] zs = zlib(new byte[1000]);
        putInt(small, marker + 8, zs.length);
        System.arraycopy(zs, 0, small, marker + 12, zs.length);
        refused(small, 1 << 20, "inflates to 1000 bytes, expected 65536");
        byte[] cut = s.bytes().clone();
        putInt(cut, marker + 8, 100);
        refused(cut, 1 << 20, "ends before its zlib stream does");
    }

    private static byte[] zlib(byte[] in) {
        Deflater d = new Deflater();
        d.setInput(in);
        d.finish();
        byte[] out = new byte[in.length + 1024];
        int n = d.deflate(out);
        d.end();
        return Arrays.copyOf(out, n);
    }

    @Test
    void item60SplitExtentFileIsNotAWholeDisk() throws IOException {
        QemuTool.ok(tmp, "qemu-img", "create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", "t.vmdk", "1M");
        refused(Files.readAllBytes(tmp.resolve("t-s001.vmdk")), 1 << 20, "split extent file, not a whole disk");
        byte[] noDesc = base();
        putLong(noDesc, 28, 0);
        refused(noDesc, SIZE, "no embedded descriptor");
    }

    @Test
    void deltaDisksAndUnknownCreateTypes() throws IOException {
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, null)
                .replace("parentCID=ffffffff", "parentCID=12345678")), SIZE, "parentCID \"12345678\"");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, null)
                + "parentFileNameHint=\"/var/lib/base.vmdk\"\n"), SIZE, "parentFileNameHint");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicFlat", 4096, null)), SIZE,
                "createType \"monolithicFlat\" is not supported");
        refused(withDescriptor(VmdkFixtures.descriptorText("streamOptimized", 4096, null)), SIZE,
                "createType streamOptimized with header flags");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, null) + "CID=00000000\n"),
                SIZE, "key CID given twice");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 4096, null) + "what is this\n"),
                SIZE, "not a comment, KEY=VALUE, ddb or extent line");
        refused(withDescriptor(VmdkFixtures.descriptorText("monolithicSparse", 8192, null)), SIZE,
                "the descriptor's extent has 8192 sectors, the header's capacity is 4096");
    }

    @Test
    void headerFlagsAndLineEndings() throws IOException {
        byte[] crlf = base();
        crlf[73] = '\r';
        refused(crlf, SIZE, "text-mode transfer");
        byte[] unknown = base();
        putInt(unknown, 8, 3 | (1 << 9));
        refused(unknown, SIZE, "unknown bits 0x00000200");
        byte[] cowd = base();
        cowd[0] = 'C';
        cowd[1] = 'O';
        cowd[2] = 'W';
        cowd[3] = 'D';
        refused(cowd, SIZE, "COWD");
    }

    @Test
    void zeroedGrainEntryWithoutTheFlagAndGrainsInMetadata() throws IOException {
        byte[] b = base();
        putInt(b, GT + 8, 1);
        Path p = file(b);
        Throwable read = catchThrowable(() -> {
            try (FileChannel ch = FileChannel.open(p); VmdkImage image = VmdkImage.open(ch, "hostile.vmdk")) {
                image.readRaw(new DigestChannel(), Progress.NONE);
            }
        });
        assertThat(read).isInstanceOf(FormatException.class).hasMessageContaining("maps to sector 1, inside the"
                + " metadata before overHead 128");
        validatorRefuses(p, SIZE, "grain 2 has the zeroed-grain entry 1, but the header does not enable");
        byte[] meta = base();
        putInt(meta, GT + 8, 27);
        refused(meta, SIZE, "inside the metadata before overHead");
    }

    @Test
    void validatorOnlyRules() throws IOException {
        validatorRefuses(file(base()), SIZE * 2, "size header says 4194304 bytes, the image's capacity is 4096"
                + " sectors (2097152 bytes)");
        byte[] twice = base();
        putInt(twice, GT + 8, 128);
        validatorRefuses(file(twice), SIZE, "grain 2 at sector 128 overlaps");
        byte[] offGrid = base();
        putInt(offGrid, GT + 8, 130);
        validatorRefuses(file(offGrid), SIZE, "not on the grain grid");
        byte[] sharedGt = base();
        putInt(sharedGt, 21 * SECTOR, 27);
        validatorRefuses(file(sharedGt), SIZE, "grain table 0 at sector 27 overlaps");
        byte[] noGtMarker = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 11)).bytes().clone();
        VmdkFixtures.Stream s = VmdkFixtures.vmwareStream(VmdkFixtures.sparseData(1 << 20, 11));
        putInt(noGtMarker, (int) ((s.firstGtSector() - 1) * SECTOR) + 12, 2);
        validatorRefuses(file(noGtMarker), 1 << 20, "the marker before the grain table 0");
    }
}
