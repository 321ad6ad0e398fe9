package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * EIO from the kernel at the three steps that make an import durable, injected into the real process with
 * {@code strace}: a data write half-way through, the data flush before the commit, and the directory flush after it.
 * A traced dry run of the same import finds which call of its kind (counted per thread, as strace counts) each step
 * is. At the data write and the flush the import must fail with one line naming the volume and the kernel's reason
 * and leave nothing; at the directory flush the volume is already renamed into place with its data flushed, so the
 * import either fails and takes the volume away, or keeps it with its exact content and says so. Short writes are
 * covered in process through the {@code Linux} seam ({@code DirImportFaultTest}), since strace cannot shorten a write
 * without lying about the bytes.
 */
class IoErrorIT extends FaultWorldTest {


    /** The paths where volport itself writes the data (not a zfs or btrfs receive child). */
    @Override
    List<ImportPath> paths() {
        return world.paths().stream().filter(p -> !p.format().equals("zfs") && !p.format().equals("btrfs"))
                .toList();
    }

    record Call(String syscall, String tid, int nth) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void anIoErrorFailsTheImportCleanly(ImportPath p) throws Exception {
        String cmd = world.volport + " import " + q(p.target()) + " " + p.format() + " " + q(world.stream(p))
                + p.importArgs();
        Path trace = tmp.resolve("trace");
        Sh.ok("strace -f -qq -y -s 200 -o " + q(trace) + " -e trace=fsync,fdatasync,syncfs,renameat2,pwrite64,write,"
                + "execve " + cmd);
        world.removeTarget(p);
        List<String> lines = Files.readAllLines(trace).stream().filter(l -> !l.contains("resumed>")).toList();
        Map<String, Integer> seen = new HashMap<>();
        List<Call> data = new ArrayList<>();
        Call flush = null;
        Call dirFlush = null;
        boolean committed = false;
        String inStorage = "<" + world.storageRoot(p) + "/";
        for (String l : lines) {
            String[] f = l.split("\\s+", 2);
            if (f.length < 2 || !f[1].matches("^[a-z0-9]+\\(.*")) {
                continue;
            }
            String sys = f[1].substring(0, f[1].indexOf('('));
            int nth = seen.merge(f[0] + " " + sys, 1, Integer::sum);
            Call c = new Call(sys, f[0], nth);
            if (DurabilityOrderIT.isCommit(p, l)) {
                committed = true;
            } else if (!committed && (sys.equals("pwrite64") || sys.equals("write")) && l.contains(inStorage)) {
                data.add(c);
            } else if (sys.matches("fsync|fdatasync|syncfs") && l.endsWith("= 0")) {
                if (!committed) {
                    flush = c;
                } else if (dirFlush == null) {
                    dirFlush = c;
                }
            }
        }
        assertThat(committed).as("the trace shows the commit rename of %s", p).isTrue();
        assertThat(data).as("data writes in the trace of %s", p).isNotEmpty();
        assertThat(flush).as("a flush before the commit in the trace of %s", p).isNotNull();
        List<String> failures = new ArrayList<>();
        int survived = 0;
        Call middle = data.get(data.size() / 2);
        List<Object[]> steps = new ArrayList<>(List.of(new Object[] {"data write", middle},
                new Object[] {"data flush", flush}));
        if (p.kind() != ImportPath.Kind.ZFS) { // a zfs rename needs no directory flush
            steps.add(new Object[] {"directory flush", dirFlush});
        }
        for (Object[] step : steps) {
            String where = (String) step[0];
            Call c = (Call) step[1];
            if (c == null) {
                failures.add(where + ": no such call in the trace");
                continue;
            }
            Sh.Result r = Sh.bash("strace -f -qq -o /dev/null -e trace=" + c.syscall() + " -e inject=" + c.syscall()
                    + ":error=EIO:when=" + c.nth() + " " + cmd, 300);
            boolean visible = world.visible(p);
            List<String> left = world.leftovers(p);
            boolean ok = left.isEmpty();
            if (!left.isEmpty()) {
                failures.add(where + ": left " + left);
            }
            if (where.equals("directory flush")) {
                // renamed into place after its data was flushed: the volume stays, complete, and the error says so
                List<String> err = r.err().lines().toList();
                if (r.exit() == 0 || !visible || !world.expected(p).equals(world.actual(p)) || err.size() != 1
                        || !err.getFirst().contains("is complete and in place")
                        || !err.getFirst().contains("Input/output error")) {
                    failures.add(where + ": expected an error saying the complete volume stays; visible=" + visible
                            + " " + r);
                    ok = false;
                }
            } else if (r.exit() == 0) {
                failures.add(where + ": the import succeeded despite EIO: " + r);
                ok = false;
            } else {
                List<String> err = r.err().lines().toList();
                if (visible || err.size() != 1 || !err.getFirst().contains(p.target())
                        || !err.getFirst().contains("Input/output error")) {
                    failures.add(where + ": expected one line naming " + p.target() + " and the EIO, nothing visible;"
                            + " visible=" + visible + " " + r);
                    ok = false;
                }
            }
            if (visible) {
                world.removeTarget(p);
            }
            survived += ok ? 1 : 0;
        }
        FaultReport.add(new FaultReport.Row("EIO at " + steps.stream().map(x -> (String) x[0])
                .collect(java.util.stream.Collectors.joining(", ")), p.name(), steps.size(), survived, survived, 0, 0));
        assertThat(failures).as(p.name()).isEmpty();
    }

}
