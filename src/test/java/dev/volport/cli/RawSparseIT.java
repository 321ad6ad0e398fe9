package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.io.ContentDigestTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raw+sparse} and {@code volport checksum} through the launcher, with {@code qemu-img} as the oracle: round
 * trips for every pair of raw, qcow2 and VMDK volumes, the digest of one content in every format (also as qemu-img
 * converted it), the format lists, the committed golden stream, and damaged streams that must leave nothing.
 */
class RawSparseIT {
    @TempDir
    Path tmp;
    String v;
    Path seed;

    @BeforeEach
    void setUp() throws Exception {
        v = Shell.twoDirStorages(tmp);
        // 24 MiB: random data at three places, an allocated range of zeros, a 4 KiB tail of data
        seed = tmp.resolve("seed.raw");
        ok(bash("truncate -s 24M " + q(seed) + " && for at in 0 7 13; do dd if=/dev/urandom of=" + q(seed)
                + " bs=512k count=3 seek=$at conv=notrunc status=none; done"
                + " && dd if=/dev/zero of=" + q(seed) + " bs=1M count=4 seek=16 conv=notrunc status=none"
                + " && dd if=/dev/urandom of=" + q(seed) + " bs=4k count=1 seek=6143 conv=notrunc status=none"));
        Path dir = tmp.resolve("src/images/100");
        Files.createDirectories(dir);
        Files.copy(seed, dir.resolve("vm-100-disk-0.raw"));
        ok(bash("qemu-img convert -f raw -O qcow2 " + q(seed) + " " + q(dir.resolve("vm-100-disk-1.qcow2"))
                + " && qemu-img convert -f raw -O vmdk " + q(seed) + " " + q(dir.resolve("vm-100-disk-2.vmdk"))));
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    private String expectedDigest() throws Exception {
        return HexFormat.of().formatHex(ContentDigestTest.naive(Files.readAllBytes(seed)));
    }

    @Test
    void everyImageFormatPairRoundTripsWithItsContent() throws Exception {
        List<String> sources = List.of("vm-100-disk-0.raw", "vm-100-disk-1.qcow2", "vm-100-disk-2.vmdk");
        List<String> targets = List.of("raw", "qcow2", "vmdk");
        StringBuilder script = new StringBuilder("set -e\n");
        int n = 0;
        for (String src : sources) {
            // one stream per source (the qcow2 one compressed), imported into each target format
            Path stream = tmp.resolve(src + ".rsparse");
            script.append(v).append(" export src:100/").append(src).append(" raw+sparse ").append(q(stream))
                    .append(src.endsWith("qcow2") ? " --compress zstd:5" : "").append('\n');
            for (String fmt : targets) {
                script.append(v).append(" import dst:200/vm-200-disk-").append(n++).append('.').append(fmt)
                        .append(" raw+sparse ").append(q(stream)).append('\n');
            }
        }
        ok(bash(script.toString()));
        for (int i = 0; i < n; i++) {
            String fmt = targets.get(i % 3);
            Path img = tmp.resolve("dst/images/200/vm-200-disk-" + i + "." + fmt);
            // qemu-img reads the volume and finds the seed's content, byte for byte
            ok(bash("qemu-img compare -q -f raw -F " + fmt + " " + q(seed) + " " + q(img)));
            if (!fmt.equals("raw")) {
                ok(bash("qemu-img check -q -f " + fmt + " " + q(img)));
            }
        }
        // zeros did not travel: the stream holds the data (3 × 1.5 MiB + 4 KiB) and little more
        assertThat(Files.size(tmp.resolve("vm-100-disk-0.raw.rsparse"))).isBetween(4_722_688L, 4_800_000L);
        assertThat(Files.size(tmp.resolve("vm-100-disk-1.qcow2.rsparse")))
                .isLessThan(Files.size(tmp.resolve("vm-100-disk-2.vmdk.rsparse")) + 1);
    }

    @Test
    void oneContentHasOneDigestInEveryFormatAndThroughQemuImg() throws Exception {
        Path dir = tmp.resolve("src/images/100");
        ok(bash("qemu-img convert -c -f raw -O qcow2 " + q(seed) + " " + q(dir.resolve("vm-100-disk-3.qcow2"))
                + " && qemu-img convert -f raw -O vmdk -o subformat=streamOptimized " + q(seed) + " "
                + q(dir.resolve("vm-100-disk-4.vmdk"))
                + " && qemu-img convert -f vmdk -O qcow2 " + q(dir.resolve("vm-100-disk-2.vmdk")) + " "
                + q(dir.resolve("vm-100-disk-5.qcow2"))));
        String expected = expectedDigest();
        String out = ok(bash("for d in 0.raw 1.qcow2 2.vmdk 3.qcow2 4.vmdk 5.qcow2; do " + v
                + " checksum src:100/vm-100-disk-$d; done"));
        assertThat(out.lines()).hasSize(6).allSatisfy(l -> assertThat(l).startsWith(expected + "  src:100/"));
        assertThat(ok(bash(v + " checksum src:100/vm-100-disk-1.qcow2 --output json")))
                .contains("\"algorithm\":\"vpd2-sha256\"", "\"digest\":\"" + expected + "\"", "\"size\":25165824");
    }

    @Test
    void formatListsPutRawSparseFirstForImagesOnlyAndKeepTheReferenceLists() throws Exception {
        assertThat(ok(bash(v + " export-formats src:100/vm-100-disk-1.qcow2")).lines())
                .containsExactly("raw+sparse", "raw+size");
        assertThat(ok(bash(v + " import-formats dst:200/vm-200-disk-0.raw")).lines())
                .containsExactly("raw+sparse", "raw+size");
        assertThat(ok(bash(v + " export-formats src:100/vm-100-disk-1.qcow2 --with-snapshots 1")).lines())
                .containsExactly("qcow2+size");
        assertThat(ok(bash(v + " import-formats dst:iso/x.iso")).lines()).containsExactly("raw+size");
        // an explicit reference format works as before
        ok(bash(v + " export src:100/vm-100-disk-0.raw raw+size - | " + v
                + " import dst:200/vm-200-disk-0.raw raw+size -"));
        Result r = bash(v + " export src:100/vm-100-disk-0.raw raw+size /dev/null --compress zstd");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--compress applies to raw+sparse only");
    }

    @Test
    void theGoldenStreamImportsToItsImageAndDigest() throws Exception {
        Path golden = Path.of("src/test/resources/dev/volport/format/sparse/golden-v2.rsparse").toAbsolutePath();
        ok(bash(v + " import dst:200/vm-200-disk-0.raw raw+sparse " + q(golden)));
        assertThat(Files.readAllBytes(tmp.resolve("dst/images/200/vm-200-disk-0.raw")))
                .isEqualTo("hello\0\0\0\0\0\0\0\0\0\0world".getBytes());
        byte[] g = Files.readAllBytes(golden);
        String trailer = HexFormat.of().formatHex(g, g.length - 32, g.length);
        assertThat(ok(bash(v + " checksum dst:200/vm-200-disk-0.raw"))).startsWith(trailer + "  ");
        // what an older volport sent (version 1, 1 MiB digest leaves) still imports
        Path v1 = golden.resolveSibling("golden-v1.rsparse");
        ok(bash(v + " import dst:201/vm-201-disk-0.raw raw+sparse " + q(v1)));
        assertThat(Files.readAllBytes(tmp.resolve("dst/images/201/vm-201-disk-0.raw")))
                .isEqualTo("hello\0\0\0\0\0\0\0\0\0\0world".getBytes());
    }

    /** Rewrites the header CRC of the record at {@code at} (after a change to its fields or payload CRC). */
    private static void fixRecordCrc(byte[] s, int at) {
        CRC32C c = new CRC32C();
        c.update(s, at, 28);
        ByteBuffer.wrap(s, at + 28, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) c.getValue());
    }

    @Test
    void damagedStreamsAreRefusedInOneLineAndLeaveNothing() throws Exception {
        Path good = tmp.resolve("good.rsparse");
        ok(bash(v + " export src:100/vm-100-disk-1.qcow2 raw+sparse " + q(good)));
        byte[] s = Files.readAllBytes(good);
        int end = s.length - 72; // the end record: 32-byte header, 40-byte payload
        byte[] payload = s.clone();
        payload[32 + 32 + 100] ^= 1; // a byte of the first data record's payload
        byte[] digest = s.clone();
        digest[s.length - 1] ^= 1;
        CRC32C c = new CRC32C();
        c.update(digest, end + 32, 40);
        ByteBuffer.wrap(digest, end + 24, 4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) c.getValue());
        fixRecordCrc(digest, end);
        byte[] beyond = s.clone(); // the first record's offset moved: a gap, or past the size
        ByteBuffer.wrap(beyond, 32 + 8, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        fixRecordCrc(beyond, 32);
        byte[] cut = java.util.Arrays.copyOf(s, s.length / 2);
        record Case(String name, byte[] bytes, String message) { }
        List<Case> cases = List.of(new Case("payload", payload, "payload's CRC32C does not match"),
                new Case("digest", digest, "content digest mismatch"),
                new Case("beyond", beyond, "starts at image offset 1099511627776 but the previous records end at 0"),
                new Case("cut", cut, "truncated"));
        for (Case k : cases) {
            Path f = tmp.resolve(k.name() + ".rsparse");
            Files.write(f, k.bytes());
            for (String fmt : List.of("raw", "qcow2")) {
                Result r = bash("cat " + q(f) + " | " + v + " import dst:300/vm-300-disk-0." + fmt + " raw+sparse -");
                assertThat(r.exit()).as(k.name()).isEqualTo(1);
                assertThat(r.errLines()).as(k.name()).hasSize(1);
                assertThat(r.err()).as(k.name()).startsWith("volport: import into dst:300/vm-300-disk-0." + fmt
                        + " failed: raw+sparse").contains(k.message()).doesNotContain("Exception");
                try (Stream<Path> left = Files.walk(tmp.resolve("dst"))) {
                    assertThat(left.filter(p -> Files.isRegularFile(p)
                            && !p.getFileName().toString().equals(".volport.lock"))).as(k.name()).isEmpty();
                }
            }
        }
    }

    @Test
    void aSnapshotOfAQcow2ImageHasItsOwnDigest() throws IOException, InterruptedException {
        Path img = tmp.resolve("src/images/100/vm-100-disk-1.qcow2");
        ok(bash("qemu-img snapshot -c before " + q(img) + " && qemu-io -f qcow2 -c 'write -P 7 0 64k' " + q(img)
                + " >/dev/null"));
        String before = ok(bash(v + " checksum src:100/vm-100-disk-1.qcow2 --snapshot before")).split(" ")[0];
        String now = ok(bash(v + " checksum src:100/vm-100-disk-1.qcow2")).split(" ")[0];
        assertThat(before).isEqualTo(ok(bash(v + " checksum src:100/vm-100-disk-0.raw")).split(" ")[0]);
        assertThat(now).isNotEqualTo(before);
    }
}
