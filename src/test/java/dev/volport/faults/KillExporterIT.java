package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SIGKILL of the exporter in {@code volport export … - | volport import … -}, for every import path, at a quarter,
 * half and nine tenths of the stream: the importer must refuse the cut stream (exit 1, one line naming the volume)
 * and leave nothing behind, without waiting for a next operation. An exporter that has written its last bytes into
 * the pipe before the kill lands (the pipe holds up to 1 MiB), or whose stream comes from a child ({@code zfs send},
 * {@code btrfs send}) that goes on writing, delivers the whole stream: then the import may succeed — with the
 * source's exact content, which the test checks.
 */
class KillExporterIT extends FaultWorldTest {
    static final double[] POINTS = {0.25, 0.5, 0.9};

    Path relay;

    @BeforeAll
    void setUp() throws Exception {
        relay = Relay.install(tmp);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void theImporterRefusesACutStreamAndLeavesNothing(ImportPath p) throws Exception {
        long size = Files.size(world.stream(p));
        String expected = world.expected(p);
        String before = world.untouchedDigest();
        List<String> failures = new ArrayList<>();
        int survived = 0;
        int completed = 0;
        for (double point : POINTS) {
            long at = (long) (size * point);
            Path marker = tmp.resolve("cut");
            Path go = tmp.resolve("go");
            Files.deleteIfExists(marker);
            Files.deleteIfExists(go);
            Sh.Result r = Sh.bash("""
                    { %s export %s %s -%s & echo $! > %s/exporter.pid; wait; } 2>/dev/null \\
                      | perl %s %d %s %s | %s import %s %s -%s &
                    job=$!
                    for i in $(seq 3000); do [ -e %s ] && break; sleep 0.01; done
                    kill -KILL $(cat %s/exporter.pid); touch %s
                    wait $job; echo "rc=$?"
                    """.formatted(world.volport, q(p.source()), p.format(), p.exportArgs(), q(tmp), q(relay), at,
                    q(marker), q(go), world.volport, q(p.target()), p.format(), p.importArgs(), q(marker), q(tmp),
                    q(go)), 120);
            String where = (int) (point * 100) + "%";
            boolean visible = world.visible(p);
            List<String> left = world.leftovers(p);
            boolean ok = left.isEmpty();
            if (!left.isEmpty()) {
                failures.add(where + ": left " + left + " " + r);
            }
            if (r.out().contains("rc=0")) {
                completed++;
                if (!visible || !expected.equals(world.actual(p))) {
                    failures.add(where + ": the import succeeded but the volume is not the source's " + r);
                    ok = false;
                }
            } else {
                if (visible) {
                    failures.add(where + ": a volume is visible after a refused import " + r);
                    ok = false;
                }
                List<String> lines = r.err().lines().toList();
                if (lines.size() != 1 || !lines.getFirst().startsWith("volport: ")
                        || !lines.getFirst().contains(p.target())) {
                    failures.add(where + ": not one line naming " + p.target() + ": " + r.err());
                    ok = false;
                }
            }
            if (visible) {
                world.removeTarget(p);
            }
            survived += ok ? 1 : 0;
        }
        boolean untouched = before.equals(world.untouchedDigest());
        FaultReport.add(new FaultReport.Row("exporter SIGKILL" + (completed > 0 ? " (" + completed
                + " sent all before the kill)" : ""), p.name(), POINTS.length, survived, survived,
                untouched ? 0 : 1, 0));
        assertThat(failures).as(p.name()).isEmpty();
        assertThat(untouched).as("nothing outside the target changed").isTrue();
    }
}
