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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image sizes at the edges through the launcher (issue 10): a 0-byte qcow2 allocated and imported as
 * {@code qemu-img create -f qcow2 F 0} makes it, a 0-byte VMDK refused (QEMU cannot open one), and sizes above
 * each format's limit refused with the volume, the size and the limit; {@code qemu-img} is the oracle.
 */
class ImageSizeIT {
    @TempDir
    Path tmp;
    String v;

    @BeforeEach
    void config() throws IOException {
        v = Shell.twoDirStorages(tmp);
    }

    private Path file(String volname) {
        return tmp.resolve("dst").resolve("images").resolve(volname);
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    @Test
    void zeroSizeQcow2IsAllocatedImportedAndExportedLikeQemuImgs() throws Exception {
        Path theirs = tmp.resolve("theirs.qcow2");
        ok(bash("qemu-img create -q -f qcow2 " + q(theirs) + " 0"));
        assertThat(ok(bash(v + " alloc dst 100 '' 0 --format qcow2")))
                .isEqualTo("successfully created 'dst:100/vm-100-disk-0.qcow2'\n");
        assertThat(ok(bash("printf '\\0\\0\\0\\0\\0\\0\\0\\0' | " + v
                + " import dst:100/vm-100-disk-1.qcow2 raw+size -")))
                .isEqualTo("successfully imported 'dst:100/vm-100-disk-1.qcow2'\n");
        for (String name : new String[] {"vm-100-disk-0.qcow2", "vm-100-disk-1.qcow2"}) {
            Path img = file("100/" + name);
            assertThat(ok(bash("qemu-img check -f qcow2 " + q(img)))).contains("No errors were found");
            assertThat(ok(bash("qemu-img info -f qcow2 --output=json " + q(img)))).contains("\"virtual-size\": 0,");
            ok(bash("qemu-img compare -q -f qcow2 -F qcow2 " + q(theirs) + " " + q(img)));
            assertThat(Files.size(img)).isEqualTo(Files.size(theirs));
            // The export is the bare size header: eight zero bytes.
            assertThat(ok(bash(v + " export dst:100/" + name + " raw+size - | od -An -tx1 | tr -d ' \\n'")))
                    .isEqualTo("0000000000000000");
        }
    }

    @Test
    void zeroSizeVmdkIsRefusedLikeQemuCannotOpenIt() throws Exception {
        Path theirs = tmp.resolve("theirs.vmdk");
        ok(bash("qemu-img create -q -f vmdk " + q(theirs) + " 0"));
        Result qemu = bash("qemu-img info -f vmdk " + q(theirs));
        assertThat(qemu.exit()).as("qemu-img opens a 0-sector VMDK: revisit the refusal").isNotZero();

        Result alloc = bash(v + " alloc dst 100 '' 0 --format vmdk");
        assertThat(alloc.exit()).isEqualTo(1);
        assertThat(alloc.errLines()).containsExactly("volport: cannot allocate dst:100/vm-100-disk-0.vmdk: a VMDK"
                + " cannot be empty (size 0): QEMU cannot open a sparse extent of capacity 0, so the smallest VMDK"
                + " is 1 sector (512 bytes)");
        Result imp = bash("printf '\\0\\0\\0\\0\\0\\0\\0\\0' | " + v + " import dst:100/vm-100-disk-0.vmdk raw+size -");
        assertThat(imp.exit()).isEqualTo(1);
        assertThat(imp.errLines()).singleElement().asString()
                .startsWith("volport: import into dst:100/vm-100-disk-0.vmdk failed: a VMDK cannot be empty (size 0)");
        assertNothingLeft();
    }

    @Test
    void sizesAboveTheFormatLimitAreRefusedNamingVolumeSizeAndLimit() throws Exception {
        Result qcow2 = bash(v + " alloc dst 100 '' 2199023255553 --format qcow2"); // KiB: 2 PiB + 1 KiB
        assertThat(qcow2.exit()).isEqualTo(1);
        assertThat(qcow2.errLines()).containsExactly("volport: cannot allocate dst:100/vm-100-disk-0.qcow2: size"
                + " 2251799813686272 bytes is above the qcow2 limit of 2251799813685248 bytes (2 PiB: a 32 MiB L1"
                + " table of 64 KiB clusters)");
        Result vmdk = bash(v + " alloc dst 100 '' 2147483649 --format vmdk"); // KiB: 2 TiB + 1 KiB
        assertThat(vmdk.exit()).isEqualTo(1);
        assertThat(vmdk.errLines()).containsExactly("volport: cannot allocate dst:100/vm-100-disk-0.vmdk: size"
                + " 2199023256576 bytes is above the VMDK limit of 2199023255552 bytes (2 TiB: grain tables"
                + " address at most 2^32 sectors)");
        // A raw stream announcing 3 PiB is refused before any data is read.
        Result imp = bash("printf '\\0\\0\\0\\0\\0\\0\\x0c\\0' | " + v + " import dst:100/vm-100-disk-0.qcow2 raw+size -");
        assertThat(imp.exit()).isEqualTo(1);
        assertThat(imp.errLines()).containsExactly("volport: import into dst:100/vm-100-disk-0.qcow2 failed: size"
                + " 3377699720527872 bytes is above the qcow2 limit of 2251799813685248 bytes (2 PiB: a 32 MiB L1"
                + " table of 64 KiB clusters)");
        assertNothingLeft();
    }

    @Test
    void sizesExactlyAtTheLimitAreAllocated() throws Exception {
        Path cfg = tmp.resolve("off.cfg");
        Files.writeString(cfg, "dir: off\n\tpath " + tmp.resolve("dst") + "\n\tpreallocation off\n");
        String off = Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
        ok(bash(off + " alloc off 100 vm-100-disk-0.qcow2 2097152G"));
        ok(bash(off + " alloc off 100 vm-100-disk-0.vmdk 2T"));
        for (String spec : new String[] {"qcow2:2251799813685248", "vmdk:2199023255552"}) {
            String fmt = spec.substring(0, spec.indexOf(':'));
            Path img = file("100/vm-100-disk-0." + fmt);
            ok(bash("qemu-img check -q -f " + fmt + " " + q(img)));
            assertThat(ok(bash("qemu-img info -f " + fmt + " --output=json " + q(img))))
                    .contains("\"virtual-size\": " + spec.substring(spec.indexOf(':') + 1) + ",");
        }
    }

    /** No volume, no staging file: the guest directory is empty or gone. */
    private void assertNothingLeft() throws IOException {
        Path dir = file("100");
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                assertThat(s.toList()).isEmpty();
            }
        }
    }
}
