package dev.volport.format.qcow2;

import dev.volport.testing.DigestChannel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * hostile-inputs.md §3.1-§3.3, each built here from a qemu-img image patched at byte level, named after its item.
 * "Rejected" means a {@link FormatException} naming the problem, from {@link Qcow2Image#open} / {@link
 * Qcow2Image#readRaw} and from {@link Qcow2Validator#validate}.
 */
class Qcow2HostileTest {
    @TempDir
    Path dir;

    /** A resolver that fails the test if it is asked at all. */
    private static final BackingResolver NEVER = name -> fail("resolver asked about '" + name + "'");

    /** 1 MiB, 64 KiB clusters, data at guest 0 and 128 KiB: header, reftable, refblock, L1, L2, 2 data. */
    private Path base(String name) {
        Path p = dir.resolve(name);
        Qemu.img("create", "-q", "-f", "qcow2", p.toString(), "1M");
        Qemu.io(p, "write -P 0x11 0 64k", "write -P 0x22 128k 64k");
        return p;
    }

    private Path unsafeBacking(String name, String backing, String format) {
        Path p = dir.resolve(name);
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", format, p.toString(), "1M");
        return p;
    }

    // --- 3.1 external references ---

    @Test
    void item01BackingEtcHosts() throws IOException {
        Path p = unsafeBacking("qcow2-backing-etc-hosts.qcow2", "/etc/hosts", "raw");
        rejectedByOpen(p, NEVER, "backing file '/etc/hosts'");
        rejectedByValidate(p, "backing file '/etc/hosts' not allowed");
    }

    @Test
    void item02BackingTraversalWithoutFormat() throws IOException {
        Path p = unsafeBacking("qcow2-backing-traversal-noformat.qcow2", "../../../../etc/passwd", "raw");
        Qcow2Header h = header(p);
        Qcow2Header.Extension fmt = h.extensions().stream()
                .filter(e -> e.type() == Qcow2Header.EXT_BACKING_FORMAT).findFirst().orElseThrow();
        putInt(p, fmt.offset() - 8, 0x7a7a7a7a); // make the backing-format extension an unknown one
        assertThat(header(p).backingFormat()).isEmpty();
        rejectedByOpen(p, NEVER, "backing file '../../../../etc/passwd' not allowed");
        rejectedByValidate(p, "not allowed");
    }

    @Test
    void item03BackingJson() throws IOException {
        Path p = unsafeBacking("qcow2-backing-json.qcow2",
                "json:{\"driver\":\"raw\",\"file\":{\"driver\":\"file\",\"filename\":\"/etc/hosts\"}}", "raw");
        rejectedByOpen(p, NEVER, "backing file 'json:");
        rejectedByValidate(p, "backing file 'json:");
    }

    @Test
    void item04BackingNbdUrl() throws IOException {
        Path p = unsafeBacking("qcow2-backing-nbd-url.qcow2", "nbd://127.0.0.1:10809/x", "raw");
        rejectedByOpen(p, NEVER, "backing file 'nbd://127.0.0.1:10809/x'");
        rejectedByValidate(p, "backing file 'nbd://");
    }

    @Test
    void item05BackingLoop() throws IOException {
        Files.createDirectories(dir.resolve("100"));
        Files.createDirectories(dir.resolve("101"));
        Path a = dir.resolve("100/base-100-disk-0.qcow2");
        Path b = dir.resolve("101/base-101-disk-0.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "../101/base-101-disk-0.qcow2", "-F", "qcow2",
                a.toString(), "1M");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "../100/base-100-disk-0.qcow2", "-F", "qcow2",
                b.toString(), "1M");
        rejectedByOpen(a, Qcow2ReaderOracleTest.resolverIn(a.getParent()), "loop");
    }

    @Test
    void backingChainDepthIsBounded() throws IOException {
        int n = Qcow2Limits.MAX_BACKING_DEPTH + 2;
        for (int i = 0; i < n; i++) {
            int vmid = 100 + i;
            Files.createDirectories(dir.resolve(String.valueOf(vmid)));
            Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "../" + (vmid + 1) + "/base-" + (vmid + 1)
                    + "-disk-0.qcow2", "-F", "qcow2", dir.resolve(vmid + "/base-" + vmid + "-disk-0.qcow2")
                    .toString(), "1M");
        }
        Path top = dir.resolve("100/base-100-disk-0.qcow2");
        rejectedByOpen(top, Qcow2ReaderOracleTest.resolverIn(top.getParent()), "deeper than");
    }

    @Test
    void backingOfAnotherFormatIsRefused() throws IOException {
        Files.createDirectories(dir.resolve("100"));
        Files.createDirectories(dir.resolve("101"));
        Qemu.img("create", "-q", "-f", "raw", dir.resolve("100/base-100-disk-0.qcow2").toString(), "1M");
        Path p = dir.resolve("101/vm-101-disk-0.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-u", "-b", "../100/base-100-disk-0.qcow2", "-F", "raw",
                p.toString(), "1M");
        rejectedByOpen(p, NEVER, "format 'raw'");
        rejectedByValidate(p, "backing file format 'raw'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"relative", "absolute"})
    void items07And08ExternalDataFile(String kind) throws IOException {
        Path p = dir.resolve("qcow2-with-datafile-" + kind + ".qcow2");
        String data = kind.equals("absolute") ? dir.resolve("data.raw").toString() : "data.raw";
        // qemu-img creates a relative data file in its working directory: run it in the test's directory
        Qemu.run("sh", "-c", "cd '" + dir + "' && qemu-img create -q -f qcow2 -o data_file=" + data
                + ",data_file_raw=on '" + p + "' 1M");
        rejectedByOpen(p, NEVER, "external data file '" + data + "'");
        rejectedByValidate(p, "external data file");
    }

    @Test
    void item10RawProbe() throws IOException {
        Path p = base("probe.qcow2");
        assertThat(Qcow2Header.matches(ByteBuffer.wrap(Files.readAllBytes(p), 0, 16))).isTrue();
        assertThat(Qcow2Header.matches(ByteBuffer.wrap(new byte[16]))).isFalse();
        assertThat(Qcow2Header.matches(ByteBuffer.wrap(new byte[2]))).isFalse();
    }

    // --- 3.2 header and limits ---

    @ParameterizedTest
    @ValueSource(ints = {1, 4})
    void item11Version(int version) throws IOException {
        Path p = base("qcow2-version-" + version + ".qcow2");
        putInt(p, 4, version);
        rejectedByBoth(p, "unsupported version " + version);
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 63})
    void item12UnknownIncompatibleBit(int bit) throws IOException {
        Path p = base("qcow2-unknown-incompat-bit" + bit + ".qcow2");
        putLong(p, 72, 1L << bit);
        rejectedByBoth(p, "unknown incompatible feature bit " + bit);
    }

    @Test
    void item13CorruptBit() throws IOException {
        Path p = base("qcow2-corrupt-bit.qcow2");
        putLong(p, 72, Qcow2Header.INCOMPAT_CORRUPT);
        rejectedByBoth(p, "corrupt");
    }

    /** Decision for item 14: read (refcounts are not needed to read), but refuse to import (validate). */
    @Test
    void item14DirtyBitReadsButIsNotImported() throws IOException {
        Path p = base("qcow2-dirty-bit.qcow2");
        putLong(p, 72, Qcow2Header.INCOMPAT_DIRTY);
        DigestChannel out = new DigestChannel();
        try (FileChannel ch = FileChannel.open(p); Qcow2Image q = Qcow2Image.open(ch, "dirty", NEVER)) {
            q.readRaw(Optional.empty(), out, Progress.NONE);
        }
        assertThat(out.hex()).isEqualTo(Qemu.rawSha(p, Optional.empty()));
        rejectedByValidate(p, "dirty bit set");
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 22, 63, -1})
    void item15ClusterBits(int bits) throws IOException {
        Path p = base("qcow2-cluster-bits-" + bits + ".qcow2");
        putInt(p, 20, bits);
        rejectedByBoth(p, "cluster_bits " + Integer.toUnsignedString(bits) + " outside [9, 21]");
    }

    @Test
    void item17ExtensionLengthHuge() throws IOException {
        Path p = base("qcow2-extension-length-huge.qcow2");
        putInt(p, 112 + 4, 0xfffffff0); // the feature name table, first extension after the 112-byte header
        rejectedByBoth(p, "length 4294967280 runs past cluster 0");
    }

    @Test
    void item18RefcountOrder7() throws IOException {
        Path p = base("qcow2-refcount-order-7.qcow2");
        putInt(p, 96, 7);
        rejectedByBoth(p, "refcount_order 7 outside [0, 6]");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00ffffff, 0})
    void item19RefcountTableSize(int clusters) throws IOException {
        Path p = base("qcow2-refcount-table-" + clusters + ".qcow2");
        putInt(p, 56, clusters);
        rejectedByBoth(p, "refcount_table_clusters " + clusters + " outside [1, 128]");
    }

    @Test
    void item20L1SizeHuge() throws IOException {
        Path p = base("qcow2-l1-size-huge.qcow2");
        putInt(p, 36, 1 << 28);
        rejectedByBoth(p, "l1_size 268435456 outside [0, 4194304]");
        putInt(p, 36, 1 << 20);
        rejectedByBoth(p, "l1_table_offset 196608 + 8388608 bytes runs past the end of the file");
    }

    @Test
    void item22HugeSizeSmallL1() throws IOException {
        Path p = base("qcow2-size-2e62-small-l1.qcow2");
        putLong(p, 24, 1L << 62);
        rejectedByBoth(p, "size 4611686018427387904 outside [0, 72057594037927936]");
        putLong(p, 24, 1L << 40);
        rejectedByBoth(p, "l1_size 1 too small for size 1099511627776 (needs 2048)");
    }

    /** A valid 1 PiB image in a 16.5 MiB file: opens, validates, and streams without materialising anything. */
    @Test
    void item23OnePebibyteImageStreams() throws IOException {
        Path p = dir.resolve("qcow2-virtual-size-1P.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", p.toString(), "1P");
        try (FileChannel ch = FileChannel.open(p); Qcow2Image q = Qcow2Image.open(ch, "1P", NEVER)) {
            assertThat(q.virtualSize()).isEqualTo(1L << 50);
            long limit = 64L << 20;
            WritableByteChannel capped = new WritableByteChannel() {
                long n;

                @Override
                public int write(ByteBuffer src) throws IOException {
                    n += src.remaining();
                    if (n > limit) {
                        throw new IOException("enough");
                    }
                    int r = src.remaining();
                    src.position(src.limit());
                    return r;
                }

                @Override
                public boolean isOpen() {
                    return true;
                }

                @Override
                public void close() {
                }
            };
            assertThatThrownBy(() -> q.readRaw(Optional.empty(), capped, Progress.NONE)).hasMessage("enough");
            Qcow2Validator.validate(ch, "1P", 1L << 50);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void item25Encrypted(int method) throws IOException {
        Path p = base("qcow2-crypt-" + method + ".qcow2");
        putInt(p, 32, method);
        rejectedByBoth(p, "encrypted (crypt_method " + method);
    }

    @Test
    void item26CompressionTypeUnknown() throws IOException {
        Path p = base("qcow2-compression-type-unknown.qcow2");
        putLong(p, 72, Qcow2Header.INCOMPAT_COMPRESSION);
        putByte(p, 104, 7);
        rejectedByBoth(p, "compression_type 7");
    }

    @Test
    void item27SizeHeaderMismatch() throws IOException {
        Path p = base("size-mismatch.qcow2");
        rejectedByValidate(p, "virtual size 1048576 differs from the stream's size header 1073741824", 1L << 30);
    }

    @ParameterizedTest
    @ValueSource(longs = {0x48000, 0x58000, 0x30008})
    void item28Truncated(long length) throws IOException {
        Path p = base("truncated-" + length + ".qcow2");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
        rejectedByBoth(p, "past the end of the file");
    }

    // --- 3.3 mapping tables and data ---

    @Test
    void item29L2BeyondEof() throws IOException {
        Path p = base("qcow2-l2-beyond-eof.qcow2");
        putLong(p, header(p).l1TableOffset(), 0x80000000ff000000L);
        rejectedByBoth(p, "past the end of the file");
    }

    @Test
    void item30L2OverlapsRefcountTable() throws IOException {
        Path p = base("qcow2-l2-overlaps-reftable.qcow2");
        Qcow2Header h = header(p);
        putLong(p, h.l1TableOffset(), Entries.COPIED | h.refcountTableOffset());
        rejectedByBoth(p, "overlap");
    }

    @Test
    void item33UnalignedOffsets() throws IOException {
        Path p = base("qcow2-l2-unaligned-offset.qcow2");
        long l2 = l2Offset(p);
        putLong(p, l2, readLong(p, l2) + 0x200);
        rejectedByBoth(p, "not aligned to the cluster size 65536");
        Path q = base("qcow2-l1-unaligned-offset.qcow2");
        putLong(q, header(q).l1TableOffset(), readLong(q, header(q).l1TableOffset()) + 0x200);
        rejectedByBoth(q, "not aligned to the cluster size 65536");
    }

    @Test
    void reservedBitsAreRefused() throws IOException {
        Path p = base("l2-reserved.qcow2");
        long l2 = l2Offset(p);
        putLong(p, l2, readLong(p, l2) | 0x2);
        rejectedByBoth(p, "reserved bits");
    }

    @Test
    void item35DataBeyondEof() throws IOException {
        Path p = base("qcow2-data-beyond-eof.qcow2");
        putLong(p, l2Offset(p), 0x800000ffffff0000L);
        rejectedByBoth(p, "past the end of the file");
    }

    @Test
    void doubleMappedClusterWithRefcountOneIsRefused() throws IOException {
        Path p = base("double-mapped.qcow2");
        long l2 = l2Offset(p);
        putLong(p, l2 + 8, readLong(p, l2)); // guest cluster 1 -> the host cluster of guest cluster 0
        rejectedByValidate(p, "mapped more than once but its refcount is 1");
    }

    @Test
    void clusterInUseWithRefcountZeroIsRefused() throws IOException {
        Path p = base("refcount-zero.qcow2");
        long block = readLong(p, header(p).refcountTableOffset());
        putShort(p, block + 2 * 5, 0); // host cluster 5: a data cluster
        rejectedByValidate(p, "has refcount 0");
    }

    /** Item 37: a deflate stream inflating to 1 MiB in a 64 KiB cluster yields exactly one cluster. */
    @Test
    void item37CompressedBombIsCapped() throws IOException {
        byte[] plain = new byte[1 << 20];
        Arrays.fill(plain, (byte) 'A');
        Path p = withCompressedCluster("qcow2-compressed-bomb.qcow2", deflate(plain));
        DigestChannel out = new DigestChannel();
        try (FileChannel ch = FileChannel.open(p); Qcow2Image q = Qcow2Image.open(ch, "bomb", NEVER)) {
            q.readRaw(Optional.empty(), out, Progress.NONE);
        }
        assertThat(out.bytes()).isEqualTo(1 << 20);
        DigestChannel expected = new DigestChannel();
        expected.write(ByteBuffer.wrap(plain, 0, 65536));
        expected.write(ByteBuffer.allocate(65536));
        expected.write(ByteBuffer.wrap(plain, 0, 0));
        byte[] rest = new byte[(1 << 20) - 2 * 65536];
        Arrays.fill(rest, 0, 65536, (byte) 0x22);
        expected.write(ByteBuffer.wrap(rest));
        assertThat(out.hex()).isEqualTo(expected.hex());
        // The appended compressed data is not refcounted: the validator refuses it.
        rejectedByValidate(p, "has refcount 0");
    }

    @Test
    void item38ShortCompressedStream() throws IOException {
        Path p = withCompressedCluster("short-compressed.qcow2", deflate(new byte[1000]));
        rejectedByOpen(p, NEVER, "compressed data ends after 1000 of 65536 bytes");
    }

    @Test
    void corruptCompressedStream() throws IOException {
        byte[] junk = new byte[600];
        Arrays.fill(junk, (byte) 0xff);
        Path p = withCompressedCluster("corrupt-compressed.qcow2", junk);
        rejectedByOpen(p, NEVER, "corrupt deflate data");
    }

    @Test
    void item39CompressedWithCopiedBit() throws IOException {
        Path p = withCompressedCluster("compressed-copied.qcow2", deflate(new byte[65536]));
        long l2 = l2Offset(p);
        putLong(p, l2, readLong(p, l2) | Entries.COPIED);
        rejectedByBoth(p, "compressed cluster with the COPIED bit set");
    }

    @Test
    void item40ExtendedL2AllocatedAndZero() throws IOException {
        Path p = dir.resolve("ext-alloc-and-zero.qcow2");
        Qemu.img("create", "-q", "-f", "qcow2", "-o", "extended_l2=on", p.toString(), "1M");
        Qemu.io(p, "write -P 0x11 0 64k");
        long l2 = l2Offset(p);
        putLong(p, l2 + 8, readLong(p, l2 + 8) | (1L << 32));
        rejectedByBoth(p, "both allocated and zero");
        putLong(p, l2 + 8, 0xffffffffL);
        putLong(p, l2, 0x4000000000000000L | 0x50000L); // compressed, with a bitmap
        rejectedByBoth(p, "compressed cluster with a non-zero subcluster bitmap");
    }

    @Test
    void item41SnapshotL1IntoActiveL1OrBeyondEof() throws IOException {
        Path p = base("snapshot-l1.qcow2");
        Qemu.img("snapshot", "-c", "s1", p.toString());
        Qcow2Header h = header(p);
        putLong(p, h.snapshotsOffset(), h.l1TableOffset());
        rejectedByValidate(p, "overlaps");
        putLong(p, h.snapshotsOffset(), 0xff0000000L);
        rejectedByBoth(p, "runs past the end of the file");
        putInt(p, 60, 0xffffffff);
        rejectedByBoth(p, "nb_snapshots 4294967295 outside [0, 65536]");
    }

    // --- helpers ---

    /** The base image with guest cluster 0 replaced by a compressed descriptor for {@code data}, appended. */
    private Path withCompressedCluster(String name, byte[] data) throws IOException {
        Path p = base(name);
        long at = Files.size(p);
        at = (at + 511) & ~511L;
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), at);
        }
        long sectors = (data.length + 511) / 512 - 1;
        int offsetBits = Entries.compressedOffsetBits(16);
        putLong(p, l2Offset(p), Entries.COMPRESSED | (sectors << offsetBits) | at);
        return p;
    }

    private static byte[] deflate(byte[] plain) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(plain);
        d.finish();
        byte[] out = new byte[plain.length + 1024];
        int n = d.deflate(out);
        d.end();
        return Arrays.copyOf(out, n);
    }

    private static Qcow2Header header(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(65536);
            ch.read(b, 0);
            return Qcow2Header.parse(b.flip(), ch.size(), p.toString());
        }
    }

    private static long l2Offset(Path p) throws IOException {
        return readLong(p, header(p).l1TableOffset()) & Entries.OFFSET_MASK;
    }

    private static long readLong(Path p, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, at);
            return b.flip().getLong();
        }
    }

    private static void put(Path p, long at, ByteBuffer b) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.write(b.flip(), at);
        }
    }

    private static void putLong(Path p, long at, long v) throws IOException {
        put(p, at, ByteBuffer.allocate(8).putLong(v));
    }

    private static void putInt(Path p, long at, int v) throws IOException {
        put(p, at, ByteBuffer.allocate(4).putInt(v));
    }

    private static void putShort(Path p, long at, int v) throws IOException {
        put(p, at, ByteBuffer.allocate(2).putShort((short) v));
    }

    private static void putByte(Path p, long at, int v) throws IOException {
        put(p, at, ByteBuffer.allocate(1).put((byte) v));
    }

    private static void rejectedByBoth(Path p, String message) throws IOException {
        rejectedByOpen(p, NEVER, message);
        rejectedByValidate(p, message);
    }

    private static void rejectedByOpen(Path p, BackingResolver resolver, String message) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            assertThatThrownBy(() -> {
                try (Qcow2Image q = Qcow2Image.open(ch, p.getFileName().toString(), resolver)) {
                    q.readRaw(Optional.empty(), new DigestChannel(), Progress.NONE);
                }
            }).isInstanceOf(FormatException.class).hasMessageContaining(message)
                    .hasMessageContaining(p.getFileName().toString().replaceAll("^(?:100|101)/", ""));
        }
    }

    private static void rejectedByValidate(Path p, String message) throws IOException {
        long size;
        try {
            size = header(p).size();
        } catch (FormatException e) {
            size = 1L << 20;
        }
        rejectedByValidate(p, message, size);
    }

    private static void rejectedByValidate(Path p, String message, long declared) throws IOException {
        try (FileChannel ch = FileChannel.open(p)) {
            assertThatThrownBy(() -> Qcow2Validator.validate(ch, p.getFileName().toString(), declared))
                    .isInstanceOf(FormatException.class).hasMessageContaining(message)
                    .hasMessageContaining(p.getFileName().toString());
        }
    }
}
