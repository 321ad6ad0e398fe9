package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.faults.ImportPath.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SIGKILL of the importer, for every import path (storage type × format): 17 kills spread over the stream, each once
 * the importer has read that many bytes, and 3 at the commit steps — for dir and btrfs through {@code strace}'s
 * syscall fault injection on the real process (killed at the data flush, just before the commit rename and just after
 * it), for zfspool through a {@code zfs} on the PATH that kills volport when it runs {@code zfs recv} (after the
 * receive) or {@code zfs rename} (before and after). After each kill: no volume under the target name unless its
 * content equals the source's; nothing outside the target storage changed (sources, a volume that was there before,
 * files beside the storages: their metadata after each trial, their content after the last); and the next
 * operation on the storage ({@code volport list}) removes every leftover.
 */
class KillImporterIT extends FaultWorldTest {
    static final int BYTE_POINTS = 17;

    Path feeder;
    Path zfsWrapper;

    @BeforeAll
    void setUp() throws Exception {
        feeder = Feeder.install(tmp);
        zfsWrapper = Files.createDirectories(tmp.resolve("wrap"));
        String real = Sh.ok("command -v zfs").strip();
        Files.writeString(zfsWrapper.resolve("zfs"), """
                #!/bin/bash
                # The fault suite's zfs: kills volport (its parent) around the step VOLPORT_FAULT_ZFS names.
                case "${VOLPORT_FAULT_ZFS:-}:$1" in
                  before-rename:rename) kill -KILL "$PPID"; exit 1 ;;
                  after-rename:rename | after-recv:recv | after-create:create)
                    %s "$@"; rc=$?; kill -KILL "$PPID"; exit $rc ;;
                esac
                exec %s "$@"
                """.formatted(q(real), q(real)));
        Sh.ok("chmod 755 " + q(zfsWrapper.resolve("zfs")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void aKilledImportLeavesNothingButACompleteVolume(ImportPath p) throws Exception {
        Path stream = world.stream(p);
        String expected = world.expected(p);
        long size = Files.size(stream);
        Tally tally = new Tally(world);
        int unmountedBefore = world.unmountedAfterKill;
        for (int k = 1; k <= BYTE_POINTS; k++) {
            long at = size * k / (BYTE_POINTS + 1);
            Path marker = tmp.resolve("fed");
            Files.deleteIfExists(marker);
            Sh.Result r = Sh.bash("""
                    { echo $BASHPID > %s/feeder.pid; exec perl %s %s %d %s; } | %s import %s %s -%s 2>%s/err &
                    pid=$!
                    for i in $(seq 3000); do [ -e %s ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.01; done
                    sleep 0.05
                    rss=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
                    kill -KILL $pid 2>/dev/null; kill -KILL $(cat %s/feeder.pid) 2>/dev/null
                    wait $pid; rc=$?
                    echo "rc=$rc rss=${rss:-0}"
                    """.formatted(q(tmp), q(feeder), q(stream), at, q(marker), world.volport, q(p.target()),
                    p.format(), p.importArgs(), q(tmp), q(marker), q(tmp)), 120);
            tally.rss(r.out());
            assertThat(r.out()).as("the importer was still running when killed at byte %d: %s", at,
                    readErr()).contains("rc=137");
            tally.check(p, expected, "byte " + at);
        }
        for (Step step : steps(p)) {
            Sh.Result r = Sh.bash(step.script(p, world, stream, zfsWrapper), 120);
            assertThat(r.out()).as("step %s: %s", step.name(), r).contains("rc=137");
            tally.check(p, expected, step.name());
        }
        tally.finish();
        int unmounted = world.unmountedAfterKill - unmountedBefore;
        FaultReport.add(new FaultReport.Row("importer SIGKILL" + (unmounted > 0 ? " (" + unmounted
                + " complete but unmounted)" : ""), p.name(), tally.trials, tally.survived,
                tally.cleaned, tally.lost, tally.peakRss));
        assertThat(tally.failures).as(p.name()).isEmpty();
        assertThat(tally.trials).isEqualTo(BYTE_POINTS + 3);
    }

    private String readErr() throws Exception {
        Path err = tmp.resolve("err");
        return Files.exists(err) ? Files.readString(err) : "";
    }

    /** A kill at a commit step. */
    record Step(String name, String strace, String zfsFault) {
        String script(ImportPath p, FaultWorld w, Path stream, Path wrapper) {
            String cmd = w.volport + " import " + q(p.target()) + " " + p.format() + " " + q(stream) + p.importArgs();
            if (zfsFault != null) {
                return "PATH=" + q(wrapper) + ":$PATH VOLPORT_FAULT_ZFS=" + zfsFault + " " + cmd
                        + " >/dev/null 2>&1; echo rc=$?";
            }
            return "strace -f -qq --seccomp-bpf -o /dev/null " + strace + " " + cmd + " >/dev/null 2>&1; echo rc=$?";
        }
    }

    static List<Step> steps(ImportPath p) {
        if (p.kind() == Kind.ZFS) {
            boolean recv = p.format().equals("zfs");
            return List.of(recv ? new Step("after zfs recv", null, "after-recv")
                            : new Step("after zfs create", null, "after-create"),
                    new Step("before zfs rename", null, "before-rename"),
                    new Step("after zfs rename", null, "after-rename"));
        }
        String flush = "fsync,fdatasync,syncfs";
        return List.of(
                new Step("at the data flush", "-e trace=" + flush + " -e inject=" + flush
                        + ":error=EIO:signal=SIGKILL:when=1", null),
                new Step("before the commit rename", "-e trace=renameat2 -e inject=renameat2:error=EIO:signal=SIGKILL",
                        null),
                new Step("after the commit rename", "-e trace=renameat2 -e inject=renameat2:signal=SIGKILL", null));
    }

    /** Counts trials and what each showed. */
    static final class Tally {
        int trials;
        int survived;
        int cleaned;
        int lost;
        long peakRss;
        final List<String> failures = new ArrayList<>();

        void rss(String out) {
            var m = java.util.regex.Pattern.compile("rss=(\\d+)").matcher(out);
            if (m.find()) {
                peakRss = Math.max(peakRss, Long.parseLong(m.group(1)));
            }
        }

        void check(ImportPath p, String expected, String where) throws Exception {
            trials++;
            boolean ok = true;
            boolean visible = world.visible(p);
            if (visible && !expected.equals(world.actual(p))) {
                failures.add(where + ": a volume is visible under " + p.target() + " with other content");
                lost++;
                ok = false;
            }
            String untouched = world.untouchedStat();
            if (!before.equals(untouched)) {
                failures.add(where + ": something outside the target changed");
                lost++;
                ok = false;
                before = untouched;
            }
            Sh.Result list = Sh.bash(world.volport + " list " + p.storageId());
            List<String> left = world.leftovers(p);
            if (list.exit() == 0 && left.isEmpty()) {
                cleaned++;
            } else {
                failures.add(where + ": after `volport list` (" + list.err().strip() + ") still left: " + left);
                ok = false;
            }
            if (visible) {
                world.removeTarget(p);
            }
            if (ok) {
                survived++;
            }
        }

        /**
         * Call after the last trial: the content digest of everything outside the target, against the one taken
         * before the first (the trials compare metadata only, {@link FaultWorld#untouchedStat}).
         */
        void finish() throws Exception {
            if (!beforeContent.equals(world.untouchedDigest())) {
                failures.add("after the last trial: the content of something outside the target changed");
                lost++;
            }
        }

        private String before;
        private final String beforeContent;
        private final FaultWorld world;

        Tally(FaultWorld world) throws Exception {
            this.world = world;
            this.before = world.untouchedStat();
            this.beforeContent = world.untouchedDigest();
        }
    }
}
