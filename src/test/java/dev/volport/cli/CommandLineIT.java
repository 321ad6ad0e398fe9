package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 end to end through {@code bin/volport}: help, global options after the command, the configuration's
 * error, size units and {@code free}'s output, as a user types them (the same paths in process: HelpTest,
 * ErrorMessagesTest).
 */
class CommandLineIT {
    @TempDir
    Path tmp;

    @Test
    void helpInEverySpellingGoesToStdoutWithExamples() throws Exception {
        Result r = bash(Shell.VOLPORT + " status --help && " + Shell.VOLPORT + " help free && " + Shell.VOLPORT
                + " alloc -h");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("Usage: volport status", "Usage: volport free ", "Usage: volport alloc")
                .contains("  volport free local:100/vm-100-disk-1.qcow2", "  volport alloc local 100 '' 32G");
    }

    @Test
    void volumeLifecycleWithOptionsAfterTheCommandAndUnits() throws Exception {
        String v = Shell.VOLPORT;
        String cfg = q(tmp.resolve("storage.cfg"));
        Shell.twoDirStorages(tmp);
        Result r = bash(v + " alloc src 100 '' 2MiB --config " + cfg + " -q && " + v + " list src --config " + cfg
                + " && " + v + " free src:100/vm-100-disk-0.raw --config " + cfg);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("successfully created 'src:100/vm-100-disk-0.raw'\n")
                .containsPattern("src:100/vm-100-disk-0.raw +raw +images +2097152 ")
                .endsWith("Removed volume 'src:100/vm-100-disk-0.raw'\n");
        assertThat(tmp.resolve("src/images/100/vm-100-disk-0.raw")).doesNotExist();

        Result bad = bash(v + " --config " + cfg + " alloc src 100 '' 1536B");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).isEqualTo("volport: invalid size '1536B': not a whole number of KiB, the unit volumes"
                + " are allocated in (the next whole size is 2K) (see 'volport alloc --help')\n");
        Path dir = tmp.resolve("src/images/100"); // free removed it, as the reference does
        if (Files.exists(dir)) {
            try (var files = Files.list(dir)) {
                assertThat(files.toList()).isEmpty();
            }
        }
    }

    @Test
    void aDirectoryAsConfigurationIsOneLineInPlainWords() throws Exception {
        Result r = bash(Shell.VOLPORT + " --config " + q(tmp) + " status");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("volport: cannot read storage configuration '" + tmp + "': is a directory\n");
    }
}
