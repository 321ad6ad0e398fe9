package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress on stderr through the launcher (issue 10): one final line per transfer, labelled with the volume id,
 * plain lines without unknowns, a JSON stream that ends with an error record when the transfer fails, and one bar
 * on a terminal shared by both ends of a pipe.
 */
class ProgressIT {
    private static final String SUBVOL = "src:100/subvol-100-disk-0.subvol";
    private static final String TARGET = "dst:100/subvol-100-disk-0.subvol";
    /** Passes a stream on in 1 MiB steps, one per 0.1 s, then the rest: a transfer that lasts a few seconds. */
    private static final String SLOW = "{ for i in $(seq %d); do dd bs=64k count=16 iflag=fullblock status=none;"
            + " sleep 0.1; done; cat; }";
    private static final Pattern OP = Pattern.compile("\"op\":\"([^\"]*)\"");

    @TempDir
    Path tmp;
    /** volport on the two storages, without {@code --quiet}. */
    String v;

    @BeforeEach
    void config() throws IOException {
        v = Shell.twoDirStorages(tmp).replace(" --quiet", "");
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    /** A container volume on {@code src} with a few files and {@code mib} MiB of random data. */
    private void subvol(int mib) throws Exception {
        Path dir = tmp.resolve("src/images/100/subvol-100-disk-0.subvol");
        Files.createDirectories(dir.resolve("etc"));
        Files.writeString(dir.resolve("etc/hostname"), "ct100\n");
        ok(bash("dd if=/dev/urandom of=" + q(dir.resolve("data")) + " bs=1M count=" + mib + " status=none"));
    }

    private static List<String> jsonLines(String err) {
        return err.lines().filter(l -> l.startsWith("{")).toList();
    }

    @Test
    void tarTransferEndsItsProgressOnce() throws Exception {
        subvol(2);
        Path exportErr = tmp.resolve("export.err");
        Result r = bash(v + " --progress json export " + SUBVOL + " tar+size - 2> " + q(exportErr) + " | " + v
                + " --progress json import " + TARGET + " tar+size -");
        ok(r);
        for (String err : List.of(Files.readString(exportErr), r.err())) {
            List<String> json = jsonLines(err);
            assertThat(json).as(err).filteredOn(l -> l.contains("\"done\":true")).hasSize(1);
            assertThat(json.getLast()).contains("\"done\":true");
        }
    }

    @Test
    void progressIsLabelledWithTheVolumeIdNotAPath() throws Exception {
        subvol(2);
        Path exportErr = tmp.resolve("export.err");
        Result r = bash(v + " --progress json export " + SUBVOL + " tar+size - 2> " + q(exportErr) + " | " + v
                + " --progress json import " + TARGET + " tar+size -");
        ok(r);
        assertThat(ops(Files.readString(exportErr))).containsExactly("export " + SUBVOL);
        assertThat(ops(r.err())).containsExactly("import " + TARGET);
        assertThat(Files.readString(exportErr) + r.err()).doesNotContain(tmp.toString(), "staging");
    }

    private static Set<String> ops(String err) {
        Set<String> ops = jsonLines(err).stream().map(OP::matcher).filter(Matcher::find).map(m -> m.group(1))
                .collect(Collectors.toSet());
        assertThat(ops).as(err).isNotEmpty();
        return ops;
    }

    @Test
    void plainLinesOfAStreamOfUnknownLengthShowOnlyWhatIsKnown() throws Exception {
        subvol(30);
        // 40 steps of 1 MiB, 0.1 s apart: at least one periodic line (every 3 s), then the final one.
        Result r = bash(v + " --quiet export " + SUBVOL + " tar+size - | " + SLOW.formatted(40) + " | " + v
                + " --progress plain import " + TARGET + " tar+size -");
        ok(r);
        List<String> lines = r.errLines();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines).allMatch(l -> l.matches("import " + Pattern.quote(TARGET)
                + ": \\d+(\\.\\d)? (B|KiB|MiB), \\d+(\\.\\d)? (B|KiB|MiB)/s, \\d+ s elapsed"), "plain line");
        assertThat(lines.getLast()).startsWith("import " + TARGET + ": 30.");
    }

    @Test
    void jsonStreamOfAFailedTransferEndsWithAnErrorRecord() throws Exception {
        // Announces 64 MiB, sends 3 MiB.
        Result r = bash("{ printf '\\0\\0\\0\\4\\0\\0\\0\\0'; head -c 3M /dev/zero; } | " + v
                + " --progress json import dst:100/vm-100-disk-0.raw raw+size -");
        assertThat(r.exit()).isEqualTo(1);
        String message = "import into dst:100/vm-100-disk-0.raw failed: raw stream ended after 3145728 of 67108864"
                + " bytes announced by its size header (truncated)";
        assertThat(r.errLines().getLast()).isEqualTo("volport: " + message);
        List<String> json = jsonLines(r.err());
        assertThat(json).isNotEmpty().noneMatch(l -> l.contains("\"done\":true"));
        assertThat(json.getLast()).startsWith("{\"error\":\"" + message + "\",\"op\":\"import dst:100/vm-100-disk-0.raw\","
                + "\"bytes\":3145728,\"total\":67108864,").endsWith("\"done\":false}");
        assertThat(Files.exists(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isFalse();
    }

    @Test
    void onlyOneProcessDrawsABarOnATerminalBothShare() throws Exception {
        Path raw = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        Files.createDirectories(raw.getParent());
        ok(bash("dd if=/dev/urandom of=" + q(raw) + " bs=1M count=24 status=none"));
        // script(1) runs the pipeline on one new pseudo-terminal: both volports have it as stderr.
        String pipeline = v + " export src:100/vm-100-disk-0.raw raw+size - | " + SLOW.formatted(20) + " | " + v
                + " import dst:100/vm-100-disk-0.raw raw+size -";
        Result r = bash("script -qec " + q(pipeline) + " /dev/null < /dev/null");
        assertThat(ok(r)).contains("successfully imported 'dst:100/vm-100-disk-0.raw'");
        Matcher frame = Pattern.compile("\r((?:export|import) \\S+) \\[[# ]{30}\\] ").matcher(r.out());
        List<String> labels = frame.results().map(m -> m.group(1)).toList();
        assertThat(labels).as(r.out()).hasSizeGreaterThanOrEqualTo(2);
        assertThat(Set.copyOf(labels)).as(r.out()).hasSize(1);
        assertThat(r.out()).doesNotContain("elapsed");
        ok(bash("cmp " + q(raw) + " " + q(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))));
    }
}
