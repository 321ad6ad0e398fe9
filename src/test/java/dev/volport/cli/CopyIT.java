package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code volport copy SRC-VOLID DST-VOLID} through {@code bin/volport}, as a user runs it. */
class CopyIT {
    @TempDir
    Path tmp;
    String volport;

    @BeforeEach
    void storages() throws IOException {
        volport = Shell.twoDirStorages(tmp);
    }

    private static List<String> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p) && !p.getFileName().toString().equals(".volport.lock"))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }

    /** Allocates {@code src:100/vm-100-disk-0.raw} of {@code mib} MiB and writes random data into all of it. */
    private Path sourceVolume(int mib) throws Exception {
        Path file = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        Result r = bash(volport + " alloc src 100 vm-100-disk-0.raw " + mib + "M && head -c " + mib
                + "M /dev/urandom | dd of=" + q(file) + " conv=notrunc status=none");
        assertThat(r.exit()).as(r.err()).isZero();
        return file;
    }

    @Test
    void copiesAndPrintsTheImportedVolume() throws Exception {
        Path file = sourceVolume(8);
        Result r = bash(volport + " copy src:100/vm-100-disk-0.raw dst:100/vm-100-disk-0.raw");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-0.raw'\n");
        Result sums = bash("sha256sum < " + q(file) + "; sha256sum < "
                + q(tmp.resolve("dst/images/100/vm-100-disk-0.raw")));
        assertThat(sums.out().lines().distinct()).hasSize(1);

        Result again = bash(volport + " copy src:100/vm-100-disk-0.raw dst:100/vm-100-disk-0.raw -allow-rename 1");
        assertThat(again.exit()).isZero();
        assertThat(again.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-1.raw'\n");
    }

    @Test
    void anExistingTargetFailsWithTheImportsCauseAndKeepsIt() throws Exception {
        sourceVolume(64);
        Result alloc = bash(volport + " alloc dst 100 vm-100-disk-0.raw 4");
        assertThat(alloc.exit()).isZero();
        Result r = bash(volport + " copy src:100/vm-100-disk-0.raw dst:100/vm-100-disk-0.raw --bwlimit 1024");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).containsExactly("volport: import into dst:100/vm-100-disk-0.raw failed: file '"
                + tmp.resolve("dst/images/100/vm-100-disk-0.raw") + "' already exists");
        assertThat(Files.size(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(4096);
        assertThat(files(tmp.resolve("dst"))).containsExactly("images/100/vm-100-disk-0.raw");
    }

    @Test
    void anExportThatFailsMidStreamIsReportedAsTheExportsFailure() throws Exception {
        Path file = sourceVolume(16);
        // 16 MiB at 1 MiB/s: the volume is cut short once the import is under way
        Result r = bash("cd " + q(tmp) + "\n{ " + volport + " copy src:100/vm-100-disk-0.raw"
                + " dst:100/vm-100-disk-0.raw --bwlimit 1024 > out 2> err; echo $? > rc; } &\n"
                + "for i in $(seq 600); do ls -a dst/images/100 2>/dev/null | grep -q volport-staging && break;"
                + " sleep 0.05; done\n"
                + "sleep 0.5; truncate -s 4096 " + q(file) + "; wait; cat rc out err", 120);
        List<String> lines = r.out().lines().toList();
        assertThat(lines).as(r.out()).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("1");
        // the shrink is seen inside a data range or at the hole to the end (see TransferRunnerTest)
        assertThat(lines.get(1)).startsWith("volport: export of src:100/vm-100-disk-0.raw failed: ")
                .contains("16777216").containsPattern("shr[ai]nk");
        assertThat(files(tmp.resolve("dst"))).isEmpty();
    }

    @Test
    void aMissingSourceNamesTheExport() throws Exception {
        Result r = bash(volport + " copy src:100/vm-100-disk-7.raw dst:100/vm-100-disk-0.raw");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).containsExactly("volport: export of src:100/vm-100-disk-7.raw failed: volume"
                + " src:100/vm-100-disk-7.raw does not exist (no file '"
                + tmp.resolve("src/images/100/vm-100-disk-7.raw")
                + "')");
        assertThat(files(tmp.resolve("dst"))).isEmpty();
    }

    @Test
    void badOptionsAreUsageErrorsAndCopyIsHidden() throws Exception {
        Result r = bash(volport + " copy src:100/vm-100-disk-0.raw dst:100/vm-100-disk-0.raw --bwlimit 1M");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.errLines()).singleElement().asString()
                .startsWith("volport: invalid value for option '--bwlimit': invalid bandwidth limit '1M'");
        Result format = bash(volport + " copy src:100/vm-100-disk-0.raw dst:100/vm-100-disk-0.raw --format nope");
        assertThat(format.exit()).isEqualTo(2);
        Result help = bash(volport + " --help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("export").doesNotContain("copy");
    }
}
