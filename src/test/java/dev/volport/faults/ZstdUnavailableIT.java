package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zstd-jni unpacks its native library into {@code java.io.tmpdir} when first used. With a temporary directory that
 * cannot be written (full, read-only, missing), a {@code raw+sparse} import that needs zstd fails in one line saying
 * so — not with a Java stack trace — and leaves nothing; one that does not need zstd never loads it and succeeds.
 * (Found by {@link IoErrorIT}: EIO injected into the unpacking of the library.)
 */
class ZstdUnavailableIT {
    @TempDir
    Path tmp;

    @Test
    void aLibraryThatCannotLoadIsOneLineAndOnlyWhenNeeded() throws Exception {
        Files.writeString(tmp.resolve("storage.cfg"), "dir: src\n\tpath " + tmp.resolve("src") + "\n\ndir: dst\n\tpath "
                + tmp.resolve("dst") + "\n");
        String v = Sh.VOLPORT + " --config " + q(tmp.resolve("storage.cfg")) + " --quiet";
        // text, so that zstd keeps its records packed (a record that does not shrink is sent plain)
        Sh.ok(v + " alloc src 100 vm-100-disk-0.raw 4M && perl -e 'print \"some guest text\\n\" x 65536' | dd of="
                + q(tmp.resolve("src/images/100/vm-100-disk-0.raw")) + " conv=notrunc status=none");
        Sh.ok(v + " export src:100/vm-100-disk-0.raw raw+sparse " + q(tmp.resolve("packed")) + " --compress zstd");
        Sh.ok(v + " export src:100/vm-100-disk-0.raw raw+sparse " + q(tmp.resolve("plain")));
        String noTmp = "VOLPORT_JAVA_OPTS=-Djava.io.tmpdir=/proc ";  // a directory nobody can create files in

        Sh.Result packed = Sh.bash(noTmp + v + " import dst:100/vm-100-disk-0.raw raw+sparse " + q(tmp.resolve("packed")));
        assertThat(packed.exit()).as(packed.toString()).isEqualTo(1);
        assertThat(packed.err().lines().toList()).as(packed.toString()).singleElement().asString()
                .startsWith("volport: ").contains("dst:100/vm-100-disk-0.raw", "cannot load the zstd library")
                .doesNotContain("Exception", "java.lang");
        assertThat(tmp.resolve("dst/images/100")).satisfiesAnyOf(d -> assertThat(d).doesNotExist(),
                d -> assertThat(d).isEmptyDirectory());

        Sh.Result plain = Sh.bash(noTmp + v + " import dst:100/vm-100-disk-0.raw raw+sparse " + q(tmp.resolve("plain")));
        assertThat(plain.exit()).as(plain.toString()).isZero();
        assertThat(Sh.ok(v + " checksum dst:100/vm-100-disk-0.raw").split("\\s+")[0])
                .isEqualTo(Sh.ok(v + " checksum src:100/vm-100-disk-0.raw").split("\\s+")[0]);
    }
}
