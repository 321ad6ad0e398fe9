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
 * A SIGTERM while an import writes must leave nothing, however the signal falls against the writer thread. The
 * stream announces 1 TiB and then sends zeros, so the writer keeps running (and asking for writeback of what it
 * wrote) while the signal handler removes the staging file; before the fix the writer recreated the file, empty
 * and unlocked, in about one run of five.
 */
class StagingSignalIT {
    @TempDir
    Path tmp;

    @Test
    void aSignalDuringTheWriteLeavesNoStagingFile() throws Exception {
        String v = Shell.twoDirStorages(tmp);
        Path dir = tmp.resolve("dst/images/100");
        String script = """
                n=0; left=0
                for i in $(seq 1 20); do
                  { perl -e 'print pack("Q<", 1 << 40)'; cat /dev/zero; } \\
                    | %s import dst:100/vm-100-disk-0.raw raw+size - 2>/dev/null &
                  pid=$!
                  # wait for the staging file (the import is writing), then a little more, varied per run
                  for t in $(seq 1 200); do ls -A %s 2>/dev/null | grep -q '^.volport-staging' && break; sleep 0.05; done
                  sleep 0.$((RANDOM %% 4))$((RANDOM %% 10))
                  kill -TERM $pid; wait $pid
                  n=$((n+1))
                  if ls -A %s 2>/dev/null | grep -q .; then left=$((left+1)); ls -lA %s; rm -f %s/.volport-staging*; fi
                done
                echo "runs=$n left=$left"
                """.formatted(v, q(dir), q(dir), q(dir), q(dir));
        Result r = bash(script, 600);
        assertThat(r.out()).as(r.out() + r.err()).contains("runs=20 left=0");
        assertThat(Files.exists(dir) ? Files.list(dir).toList() : java.util.List.of()).isEmpty();
    }
}
