package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.faults.ImportPath.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Power loss cannot be simulated here (no device-mapper), so the order of the system calls that make an import
 * durable is checked instead, under {@code strace -f}, for every import path: the data is flushed ({@code fsync},
 * {@code fdatasync} or {@code syncfs}) after the last data write and before the commit (the rename to the final name,
 * or {@code zfs rename}); the directory is flushed after the rename; and the success line is written only after both.
 * For zfs the received data is ZFS's own (a {@code zfs recv} that returned has committed its transaction groups);
 * volport's own writes into a dataset must still be flushed before the rename.
 */
class DurabilityOrderIT extends FaultWorldTest {


    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void dataIsFlushedBeforeTheCommitAndTheSuccessLineComesLast(ImportPath p) throws Exception {
        Path trace = tmp.resolve("trace");
        Sh.ok("strace -f -qq -y -s 200 -o " + q(trace) + " -e trace=fsync,fdatasync,syncfs,sync,renameat2,rename,"
                + "renameat,pwrite64,write,execve " + world.volport + " import " + q(p.target()) + " " + p.format()
                + " " + q(world.stream(p)) + p.importArgs());
        List<String> lines = Files.readAllLines(trace).stream()
                .filter(l -> !l.contains("resumed>") && !l.contains("= -1 E")).toList();
        int commit = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (isCommit(p, lines.get(i))) {
                commit = i;
            }
        }
        assertThat(commit).as("the commit in the trace of %s:%n%s", p, String.join("\n", lines)).isNotNegative();
        String inStorage = "<" + world.storageRoot(p) + "/";
        int lastData = -1;
        int flush = -1;
        for (int i = 0; i < commit; i++) {
            String l = lines.get(i);
            if (l.matches("^\\d+\\s+(pwrite64|write)\\(.*") && l.contains(inStorage)) {
                lastData = i;
            }
            if (isFlush(l)) {
                flush = i;
            }
        }
        int dirFlush = -1;
        int success = -1;
        for (int i = commit + 1; i < lines.size(); i++) {
            String l = lines.get(i);
            if (dirFlush < 0 && isFlush(l)) {
                dirFlush = i;
            }
            if (l.matches("^\\d+\\s+write\\(1(<[^>]*>)?, \"successfully imported.*")) {
                success = i;
            }
        }
        boolean receivedByZfs = p.kind() == Kind.ZFS && p.format().equals("zfs");
        if (!receivedByZfs) {
            assertThat(flush).as("a flush before the commit (%s)", p).isGreaterThan(-1).isGreaterThan(lastData);
        }
        if (p.kind() != Kind.ZFS) {
            assertThat(dirFlush).as("a directory flush after the commit (%s)", p).isGreaterThan(commit);
        }
        assertThat(success).as("the success line after the commit and the flushes (%s)", p)
                .isGreaterThan(Math.max(commit, dirFlush));
        FaultReport.add(new FaultReport.Row("durability order (strace)", p.name(), 1, 1, 1, 0, 0));
        world.removeTarget(p);
    }

    private static boolean isFlush(String l) {
        return l.matches("^\\d+\\s+(fsync|fdatasync|syncfs|sync)\\(.*= 0$");
    }

    /**
     * Whether trace line {@code l} is the step that makes the volume appear under its name: the rename to its path;
     * for zfs the {@code zfs rename} to its dataset; for a btrfs stream the {@code btrfs subvolume snapshot} that
     * makes the writable volume from the received snapshot.
     */
    static boolean isCommit(ImportPath p, String l) {
        if (p.kind() == Kind.ZFS) {
            return l.contains("execve(") && l.contains("\"rename\"") && l.contains("/" + p.target().substring(5) + "\"")
                    && !l.contains("= -1 ");
        }
        if (p.format().equals("btrfs")) {
            return l.contains("execve(") && l.contains("\"snapshot\"") && l.contains("\"" + p.volumePath() + "\"]")
                    && !l.contains("= -1 ");
        }
        return l.contains("renameat2(") && l.contains("\"" + p.volumePath() + "\"") && !l.contains("= -1 ");
    }
}
