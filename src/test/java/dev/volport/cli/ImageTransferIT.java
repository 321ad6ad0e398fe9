package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * qcow2 and VMDK volumes through the launcher, with {@code qemu-img} as the oracle: native allocation, raw+size
 * export converted on the fly into a pipe, verbatim {@code *+size} transfers, raw+size imports converted while
 * they stream, and a damaged verbatim stream that must leave nothing behind.
 */
class ImageTransferIT {
    @TempDir
    Path tmp;
    String v;

    @BeforeEach
    void config() throws IOException {
        v = Shell.twoDirStorages(tmp);
    }

    private Path file(String store, String volname) {
        return tmp.resolve(store).resolve("images").resolve(volname);
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    /** An image made by qemu-img from a raw file with data at three places and an odd tail. */
    private Path qemuImage(String fmt, String options) throws Exception {
        Path raw = tmp.resolve("seed.raw");
        ok(bash("truncate -s 24M " + q(raw) + " && for at in 0 7 23; do dd if=/dev/urandom of=" + q(raw)
                + " bs=512k count=1 seek=$((at*2)) conv=notrunc status=none; done"));
        Path dir = file("src", "100");
        Files.createDirectories(dir);
        Path img = dir.resolve("vm-100-disk-0." + fmt);
        ok(bash("qemu-img convert -f raw -O " + fmt + " " + options + " " + q(raw) + " " + q(img)));
        return img;
    }

    private static String sha(String cmd) throws Exception {
        return ok(bash(cmd + " | sha256sum")).split(" ")[0];
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vmdk"})
    void allocCreatesAnImageQemuImgAccepts(String fmt) throws Exception {
        assertThat(ok(bash(v + " alloc src 100 vm-100-disk-0." + fmt + " 1G"))).contains("successfully created");
        Path img = file("src", "100/vm-100-disk-0." + fmt);
        ok(bash("qemu-img check -f " + fmt + " " + q(img)));
        assertThat(ok(bash("qemu-img info -f " + fmt + " --output=json " + q(img))))
                .contains("\"virtual-size\": 1073741824");
        assertThat(ok(bash(v + " info src:100/vm-100-disk-0." + fmt + " --output json")))
                .contains("\"size\":1073741824", "\"format\":\"" + fmt + "\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2:", "qcow2:-c", "qcow2:-o compat=0.10", "vmdk:",
        "vmdk:-o subformat=streamOptimized"})
    void rawExportOfAnImageEqualsQemuImgConvert(String spec) throws Exception {
        String fmt = spec.substring(0, spec.indexOf(':'));
        Path img = qemuImage(fmt, spec.substring(spec.indexOf(':') + 1));
        // qemu-img cannot convert into a pipe (the reference's own raw+size path fails there): use a file
        String expected = sha("qemu-img convert -f " + fmt + " -O raw " + q(img) + " " + q(tmp.resolve("o.raw"))
                + " && cat " + q(tmp.resolve("o.raw")));
        String got = sha(v + " export src:100/vm-100-disk-0." + fmt + " raw+size - | tail -c +9");
        assertThat(got).isEqualTo(expected);
        String header = ok(bash(v + " export src:100/vm-100-disk-0." + fmt + " raw+size - | { head -c 8 | od -An -tu8; cat >/dev/null; }"));
        assertThat(header.strip()).isEqualTo(Long.toString(24L << 20));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vmdk"})
    void verbatimTransferWithSnapshotsKeepsTheFile(String fmt) throws Exception {
        Path img = qemuImage(fmt, "");
        String vol = "100/vm-100-disk-0." + fmt;
        Result r = bash(v + " export src:" + vol + " " + fmt + "+size - -with-snapshots 1 | " + v + " import dst:"
                + vol + " " + fmt + "+size - -with-snapshots 1 -allow-rename 0");
        assertThat(ok(r)).isEqualTo("successfully imported 'dst:" + vol + "'\n");
        Path out = file("dst", vol);
        assertThat(Files.mismatch(img, out)).isEqualTo(-1);
        ok(bash("qemu-img check -f " + fmt + " " + q(out)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vmdk"})
    void rawStreamIntoAnImageVolumeIsConvertedWhileStreaming(String fmt) throws Exception {
        Path raw = tmp.resolve("in.raw");
        ok(bash("truncate -s 10000000 " + q(raw) + " && dd if=/dev/urandom of=" + q(raw)
                + " bs=1M count=2 seek=3 conv=notrunc status=none"));
        Result r = bash("{ perl -e 'print pack(\"Q<\", 10000000)'; cat " + q(raw) + "; } | " + v
                + " import dst:100/vm-100-disk-0." + fmt + " raw+size -");
        assertThat(ok(r)).contains("successfully imported 'dst:100/vm-100-disk-0." + fmt + "'");
        Path out = file("dst", "100/vm-100-disk-0." + fmt);
        ok(bash("qemu-img check -f " + fmt + " " + q(out)));
        // image sizes are whole sectors: the 10000000-byte stream becomes 10000384 bytes, zero-padded
        ok(bash("truncate -s %10000384 " + q(raw) + " 2>/dev/null; truncate -s 10000384 " + q(raw)));
        ok(bash("qemu-img compare -f raw -F " + fmt + " " + q(raw) + " " + q(out)));
    }

    @org.junit.jupiter.api.Test
    void qcow2SnapshotsExportAsRawAndTravelWithSnapshots() throws Exception {
        Path img = qemuImage("qcow2", "");
        ok(bash("qemu-img snapshot -c before " + q(img) + " && qemu-io -f qcow2 -c 'write -P 0x5a 1M 2M' " + q(img)));
        String vol = "src:100/vm-100-disk-0.qcow2";
        for (String snap : new String[] {"before", ""}) {
            Path ref = tmp.resolve("ref-" + snap + ".raw");
            ok(bash("qemu-img convert -f qcow2 -O raw " + (snap.isEmpty() ? "" : "-l snapshot.name=" + snap + " ")
                    + q(img) + " " + q(ref)));
            String got = sha(v + " export " + vol + " raw+size - " + (snap.isEmpty() ? "" : "--snapshot " + snap)
                    + " | tail -c +9");
            assertThat(got).as(snap).isEqualTo(sha("cat " + q(ref)));
        }
        assertThat(ok(bash(v + " export-formats " + vol + " --snapshot before"))).isEqualTo("raw+sparse\nraw+size\n");
        assertThat(ok(bash(v + " info " + vol + " --output json"))).contains("\"snapshots\":[\"before\"]");
        ok(bash(v + " export " + vol + " qcow2+size - --with-snapshots 1 | " + v
                + " import dst:100/vm-100-disk-0.qcow2 qcow2+size - --with-snapshots 1"));
        assertThat(ok(bash("qemu-img snapshot -l " + q(file("dst", "100/vm-100-disk-0.qcow2"))))).contains("before");
    }

    @org.junit.jupiter.api.Test
    void linkedCloneReadsThroughItsBase() throws Exception {
        Path raw = tmp.resolve("base.raw");
        ok(bash("head -c 8M /dev/urandom > " + q(raw)));
        Path baseDir = file("src", "100");
        Files.createDirectories(baseDir);
        Files.createDirectories(file("src", "101"));
        ok(bash("qemu-img convert -f raw -O qcow2 " + q(raw) + " " + q(baseDir.resolve("base-100-disk-0.qcow2"))));
        Path clone = file("src", "101/vm-101-disk-0.qcow2");
        ok(bash("cd " + q(file("src", "101")) + " && qemu-img create -f qcow2 -F qcow2 -b ../100/base-100-disk-0.qcow2"
                + " vm-101-disk-0.qcow2 && qemu-io -f qcow2 -c 'write -P 0x11 0 64k' vm-101-disk-0.qcow2"));
        Path ref = tmp.resolve("clone.raw");
        ok(bash("qemu-img convert -f qcow2 -O raw " + q(clone) + " " + q(ref)));
        String got = sha(v + " export src:100/base-100-disk-0.qcow2/101/vm-101-disk-0.qcow2 raw+size - | tail -c +9");
        assertThat(got).isEqualTo(sha("cat " + q(ref)));
        assertThat(ok(bash(v + " info src:101/vm-101-disk-0.qcow2 --output json")))
                .contains("\"parent\":\"100/base-100-disk-0.qcow2\"", "\"size\":8388608");
        // a backing file anywhere else is refused, not followed
        ok(bash("cd " + q(file("src", "101")) + " && qemu-img create -f qcow2 -F raw -b /etc/hostname"
                + " vm-101-disk-1.qcow2 1M"));
        Result evil = bash(v + " export src:101/vm-101-disk-1.qcow2 raw+size - | wc -c");
        assertThat(evil.exit()).isEqualTo(1);
        assertThat(evil.err()).startsWith("volport: ").contains("backing");
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vmdk"})
    void damagedVerbatimStreamsLeaveNothing(String fmt) throws Exception {
        Path img = qemuImage(fmt, "");
        long virtual = 24L << 20;
        String imp = v + " import dst:100/vm-100-disk-0." + fmt + " " + fmt + "+size - -with-snapshots 1";
        // header disagrees with the image's own size
        Result wrongSize = bash("{ perl -e 'print pack(\"Q<\", " + (virtual + 512) + ")'; cat " + q(img) + "; } | "
                + imp);
        assertThat(wrongSize.exit()).isEqualTo(1);
        assertThat(wrongSize.err()).startsWith("volport: import into dst:100/vm-100-disk-0." + fmt + " failed");
        // the image cut short
        Result truncated = bash("{ perl -e 'print pack(\"Q<\", " + virtual + ")'; head -c 70000 " + q(img) + "; } | "
                + imp);
        assertThat(truncated.exit()).isEqualTo(1);
        // a raw stream cut short while it is being converted into the image
        Result shortRaw = bash("{ perl -e 'print pack(\"Q<\", 10000000)'; head -c 5000000 /dev/urandom; } | " + v
                + " import dst:100/vm-100-disk-0." + fmt + " raw+size -");
        assertThat(shortRaw.exit()).isEqualTo(1);
        assertThat(shortRaw.err()).contains("stream ended");
        // not an image at all
        Result garbage = bash("{ perl -e 'print pack(\"Q<\", " + virtual + ")'; head -c 1000000 /dev/urandom; } | "
                + imp);
        assertThat(garbage.exit()).isEqualTo(1);
        assertThat(garbage.errLines()).hasSize(1);
        try (Stream<Path> s = Files.walk(tmp.resolve("dst"))) {
            assertThat(s.filter(Files::isRegularFile).filter(p -> !p.endsWith(".volport.lock")).toList()).isEmpty();
        }
    }
}
