package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many processes at once on one storage, per storage type: 16 imports of one stream to one name without
 * {@code --allow-rename} (exactly one succeeds, 15 say the volume exists), 16 with {@code --allow-rename 1} (16
 * distinct volumes, each the source's content), and 20 {@code volport migrate} runs in parallel from one storage to
 * another (20 volumes, all with the source's content).
 */
class ConcurrencyIT extends FaultWorldTest {
    static final Pattern IMPORTED = Pattern.compile("successfully imported '([^']+)'");


    /** One path per storage type: the one a migration between two storages of that type would take. */
    @Override
    List<ImportPath> paths() {
        List<ImportPath> one = new ArrayList<>();
        for (ImportPath p : world.paths()) {
            if (p.name().equals("dir raw+sparse>qcow2") || p.name().equals("btrfs raw+size>raw")
                    || p.name().equals("zfs zfs>subvol")) {
                one.add(p);
            }
        }
        return one;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void sixteenImportsToOneNameHaveOneWinner(ImportPath p) throws Exception {
        Path stream = world.stream(p);
        Sh.Result r = Sh.bash(parallel(16, world.volport + " import " + q(p.target()) + " " + p.format() + " "
                + q(stream) + p.importArgs() + " -allow-rename 0"), 600);
        List<String> ok = outputs(r, "OK");
        List<String> failed = outputs(r, "FAILED");
        assertThat(ok).as(r.toString()).hasSize(1);
        assertThat(failed).hasSize(15).allSatisfy(e -> assertThat(e).startsWith("volport: ").contains(p.target())
                .containsAnyOf("already exists", "being imported by another process"));
        assertThat(world.actual(p)).isEqualTo(world.expected(p));
        assertThat(world.leftovers(p)).isEmpty();
        world.removeTarget(p);
        FaultReport.add(new FaultReport.Row("16 imports to one name", p.name(), 16, 16, 16, 0, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void sixteenImportsWithAllowRenameMakeSixteenVolumes(ImportPath p) throws Exception {
        Path stream = world.stream(p);
        Sh.Result r = Sh.bash(parallel(16, world.volport + " import " + q(p.target()) + " " + p.format() + " "
                + q(stream) + p.importArgs() + " -allow-rename 1"), 600);
        List<String> volumes = imported(r);
        int intact = checkAndFree(p, volumes.stream().distinct().toList()); // first: a failure leaves no volumes
        assertThat(volumes).as(r.toString()).hasSize(16).doesNotHaveDuplicates();
        assertThat(world.leftovers(p)).isEmpty();
        FaultReport.add(new FaultReport.Row("16 imports, --allow-rename 1", p.name(), 16, intact, 16,
                16 - intact, 0));
        assertThat(intact).isEqualTo(16);
    }

    /** zfspool is left out: parallel migrations of one dataset would each need the same migration snapshot. */
    List<ImportPath> migrationPaths() {
        return paths().stream().filter(p -> p.kind() != ImportPath.Kind.ZFS).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("migrationPaths")
    void twentyMigrationsInParallelAllArriveIntact(ImportPath p) throws Exception {
        // migrate needs the source on a storage of the kind the path starts from; the stream's own source serves
        String target = p.storageId();
        Sh.Result r = Sh.bash(parallel(20, world.volport + " migrate " + q(p.source()) + " --target-storage " + target
                + (p.format().equals("zfs") || p.format().equals("btrfs") ? " --with-snapshots" : "")
                + " --allow-rename"), 900);
        List<String> volumes = new ArrayList<>();
        Matcher m = Pattern.compile("'(" + Pattern.quote(target) + ":[^']+)'").matcher(r.out());
        while (m.find()) {
            volumes.add(m.group(1));
        }
        assertThat(outputs(r, "FAILED")).as(r.toString()).isEmpty();
        assertThat(volumes).as(r.toString()).hasSize(20).doesNotHaveDuplicates();
        int intact = checkAndFree(p, volumes);
        assertThat(world.leftovers(p)).isEmpty();
        FaultReport.add(new FaultReport.Row("20 parallel migrations", p.source() + " > " + target, 20, intact, 20,
                20 - intact, 0));
        assertThat(intact).isEqualTo(20);
    }

    /** Checks each volume against the source and frees it; returns how many were intact. */
    private int checkAndFree(ImportPath p, List<String> volumes) throws Exception {
        int intact = 0;
        for (String v : volumes) {
            ImportPath as = world.at(p, v);
            intact += world.visible(as) && world.expected(p).equals(world.actual(as)) ? 1 : 0;
            world.removeTarget(as);
        }
        return intact;
    }

    /** A script that runs {@code cmd} n times at once and prints, per run, OK or FAILED with its stderr. */
    private static String parallel(int n, String cmd) {
        return """
                d=$(mktemp -d)
                for i in $(seq %d); do ( %s >$d/$i.out 2>$d/$i.err && echo OK >$d/$i.rc || echo FAILED >$d/$i.rc ) & done
                wait
                for i in $(seq %d); do echo "== $(cat $d/$i.rc) $(cat $d/$i.out)"; sed 's/^/   /' $d/$i.err; done
                rm -rf "$d"
                """.formatted(n, cmd, n);
    }

    private static List<String> outputs(Sh.Result r, String status) {
        List<String> found = new ArrayList<>();
        List<String> lines = r.out().lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("== " + status)) {
                StringBuilder err = new StringBuilder();
                for (int j = i + 1; j < lines.size() && lines.get(j).startsWith("   "); j++) {
                    err.append(lines.get(j).substring(3));
                }
                found.add(err.toString());
            }
        }
        return found;
    }

    private static List<String> imported(Sh.Result r) {
        List<String> ids = new ArrayList<>();
        Matcher m = IMPORTED.matcher(r.out());
        while (m.find()) {
            ids.add(m.group(1));
        }
        return ids;
    }

}
