package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What pvesm callers send and expect (issue 12): the reference's {@code raw+size} stream of a file whose size is not
 * a multiple of 512 bytes (header rounded up to whole sectors, then only the file's bytes), and {@code -snapshot-list}
 * implying {@code -with-snapshots}.
 */
class PvesmCompatIT {
    @TempDir
    Path tmp;
    String v;

    @BeforeEach
    void setUp() throws Exception {
        v = Shell.twoDirStorages(tmp);
    }

    /** A raw+size stream: header {@code announced}, then {@code body}. */
    private Path stream(long announced, byte[] body) throws Exception {
        Path s = tmp.resolve("stream-" + announced + "-" + body.length);
        byte[] header = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(announced).array();
        Files.write(s, header);
        Files.write(s, body, java.nio.file.StandardOpenOption.APPEND);
        return s;
    }

    @Test
    void theReferencesOddSizeStreamIsAcceptedWithZerosToTheSectorAndANote() throws Exception {
        byte[] file = new byte[1000];
        new Random(5).nextBytes(file);
        // pvesm: size from `qemu-img info` of the 1000-byte raw file, which counts whole sectors
        Files.write(tmp.resolve("odd.raw"), file);
        String reported = bash("qemu-img info --output=json " + q(tmp.resolve("odd.raw"))
                + " | perl -ne 'print $1 if /\"virtual-size\": (\\d+)/'").out();
        assertThat(reported).isEqualTo("1024");
        Path s = stream(1024, file);
        for (String fmt : new String[] {"raw", "qcow2"}) {
            Result r = bash(v + " import dst:100/vm-100-disk-0." + fmt + " raw+size " + q(s));
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).contains("ended 24 bytes short of the size in its header").contains("zeros");
            byte[] padded = Arrays.copyOf(file, 1024);
            Path img = tmp.resolve("dst/images/100/vm-100-disk-0." + fmt);
            Path back = tmp.resolve("back-" + fmt);
            assertThat(bash("qemu-img convert -f " + fmt + " -O raw " + q(img) + " " + q(back)).exit()).isZero();
            assertThat(Files.readAllBytes(back)).isEqualTo(padded);
        }
    }

    @Test
    void anyOtherShortfallStaysATruncation() throws Exception {
        byte[] body = new byte[1000];
        new Random(6).nextBytes(body);
        for (Path s : new Path[] {stream(1536, body), stream(1000 + 24, Arrays.copyOf(body, 100)),
                stream(1010, body)}) {
            Result r = bash(v + " import dst:100/vm-100-disk-0.raw raw+size " + q(s));
            assertThat(r.exit()).as(s.toString()).isEqualTo(1);
            assertThat(r.err()).contains("truncated").doesNotContain("note:");
            assertThat(tmp.resolve("dst/images/100")).satisfiesAnyOf(d -> assertThat(d).doesNotExist(),
                    d -> assertThat(d).isEmptyDirectory());
        }
    }

    @Test
    void aSnapshotListImpliesWithSnapshots() throws Exception {
        assertThat(bash(v + " alloc src 100 vm-100-disk-0.qcow2 1M").exit()).isZero();
        assertThat(bash(v + " snapshot src:100/vm-100-disk-0.qcow2 mig").exit()).isZero();
        Result without = bash(v + " export src:100/vm-100-disk-0.qcow2 qcow2+size - > /dev/null");
        assertThat(without.exit()).isEqualTo(1);
        Result withList = bash(v + " export src:100/vm-100-disk-0.qcow2 qcow2+size - -snapshot-list mig | " + v
                + " import dst:100/vm-100-disk-0.qcow2 qcow2+size - -with-snapshots 1");
        assertThat(withList.exit()).as(withList.err()).isZero();
        assertThat(bash("qemu-img snapshot -l " + q(tmp.resolve("dst/images/100/vm-100-disk-0.qcow2"))).out())
                .contains(" mig ");
    }
}
