package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.format.StreamFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code volport migrate} with the local transport, through {@code bin/volport}. */
class MigrateIT {
    @TempDir
    Path tmp;
    String volport;
    Path cfg;

    @BeforeEach
    void storages() throws Exception {
        cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, """
                dir: src
                \tpath %s

                dir: dst
                \tpath %s

                dir: slow
                \tpath %s
                \tbwlimit migration=1024,default=99999

                dir: nfs
                \tpath %s
                \tshared 1
                """.formatted(tmp.resolve("src"), tmp.resolve("dst"), tmp.resolve("slow"), tmp.resolve("nfs")));
        volport = Shell.VOLPORT + " --config " + q(cfg);
    }

    /** {@code STORE:100/vm-100-disk-0.raw} of {@code mib} MiB with random data in its first half. */
    private Path volume(String store, int mib) throws Exception {
        Path file = tmp.resolve(store + "/images/100/vm-100-disk-0.raw");
        Result r = bash(volport + " --quiet alloc " + store + " 100 vm-100-disk-0.raw " + mib + "M && head -c "
                + (mib * 512) + "K /dev/urandom | dd of=" + q(file) + " conv=notrunc status=none");
        assertThat(r.exit()).as(r.err()).isZero();
        return file;
    }

    private String sha(Path p) throws Exception {
        return bash("sha256sum < " + q(p)).out();
    }

    @Test
    void migratesToAnotherStorageAndPrintsTheNewVolume() throws Exception {
        Path src = volume("src", 8);
        Result r = bash(volport + " --quiet migrate src:100/vm-100-disk-0.raw --target-storage dst");
        assertThat(r.err()).isEmpty();
        assertThat(r.exit()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-0.raw'\n");
        Path dst = tmp.resolve("dst/images/100/vm-100-disk-0.raw");
        assertThat(sha(dst)).isEqualTo(sha(src));
        // the empty second half stayed a hole
        assertThat(bash("du -k " + q(dst) + " | cut -f1").out().strip()).matches("[0-9]+")
                .satisfies(k -> assertThat(Integer.parseInt(k)).isLessThan(6 * 1024));

        Result again = bash(volport + " --quiet migrate src:100/vm-100-disk-0.raw --target-storage dst");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.errLines()).hasSize(1);
        assertThat(again.err()).contains("dst:100/vm-100-disk-0.raw", "already exists");
        Result renamed = bash(volport + " --quiet migrate src:100/vm-100-disk-0.raw --target-storage dst"
                + " --allow-rename");
        assertThat(renamed.exit()).as(renamed.err()).isZero();
        assertThat(renamed.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-1.raw'\n");
        assertThat(sha(tmp.resolve("dst/images/100/vm-100-disk-1.raw"))).isEqualTo(sha(src));

        // without --quiet it says how it copied: in place here (two dir storages, no limit), not as a stream
        Result told = bash(volport + " --progress none migrate src:100/vm-100-disk-0.raw --target-storage dst"
                + " --allow-rename");
        assertThat(told.exit()).as(told.err()).isZero();
        assertThat(told.errLines()).anySatisfy(l -> assertThat(l).startsWith(
                "migrate src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-2.raw: ").contains("copied"));
    }

    @Test
    void dryRunPrintsTheChosenFormatAndWhyNotTheOthersAndChangesNothing() throws Exception {
        Result alloc = bash(volport + " --quiet alloc src 100 vm-100-disk-0.qcow2 4M");
        assertThat(alloc.exit()).as(alloc.err()).isZero();
        Result r = bash(volport + " migrate src:100/vm-100-disk-0.qcow2 --target-storage slow --dry-run"
                + " --with-snapshots 1 --bwlimit 500");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).contains(
                "migrate src:100/vm-100-disk-0.qcow2 to slow:100/vm-100-disk-0.qcow2 over local",
                "format qcow2+size: chosen",
                "format raw+size: not chosen, the source cannot export src:100/vm-100-disk-0.qcow2 in it",
                "migration snapshot: none",
                "bandwidth limit: 512000 bytes per second");
        assertThat(lines).filteredOn(l -> l.startsWith("format ")).hasSize(StreamFormat.KNOWN.size());
        assertThat(tmp.resolve("slow/images")).doesNotExist();

        Result raw = bash(volport + " migrate src:100/vm-100-disk-0.qcow2 --target-storage dst --dry-run");
        assertThat(raw.exit()).as(raw.err()).isZero();
        // both volport storages list raw+sparse first; on one host the migration takes raw+size (no network)
        assertThat(raw.out().lines().toList()).contains("format raw+size: chosen", "format raw+sparse: not chosen,"
                + " a local transfer takes raw+size (no network to cross, no digest to compute)",
                "format qcow2+size: not chosen, the source cannot export src:100/vm-100-disk-0.qcow2 in it",
                "bandwidth limit: none");
    }

    @Test
    void aSharedStorageToItselfIsNoCopy() throws Exception {
        Path file = volume("nfs", 1);
        long before = Files.getLastModifiedTime(file).toMillis();
        Result r = bash(volport + " --quiet migrate nfs:100/vm-100-disk-0.raw --target-storage nfs");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'nfs:100/vm-100-disk-0.raw'\n");
        assertThat(Files.list(file.getParent()).count()).isEqualTo(1);
        assertThat(Files.getLastModifiedTime(file).toMillis()).isEqualTo(before);
    }

    @Test
    void aFormatTheTargetRefusesFailsBeforeAnythingMoves() throws Exception {
        volume("src", 1);
        Result r = bash(volport + " --quiet migrate src:100/vm-100-disk-0.raw --target-storage dst"
                + " --format qcow2+size");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("cannot migrate src:100/vm-100-disk-0.raw to dst:100/vm-100-disk-0.raw as"
                + " qcow2+size: both sides support only raw+sparse, raw+size");
        assertThat(tmp.resolve("dst/images")).doesNotExist();
    }

    @Test
    void theStoragesMigrationLimitHoldsAndIsLoggedAsTheReferenceLogsIt() throws Exception {
        // 6 MiB at the target's migration limit of 1024 KiB/s (its default of 99999 is for other operations)
        volume("src", 6);
        // raw+size, so that every byte of the volume crosses the limit (raw+sparse would skip its zeros)
        Result r = bash(volport + " --progress json migrate src:100/vm-100-disk-0.raw --target-storage slow"
                + " --format raw+size");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.errLines()).contains("using a bandwidth limit of 1048576 bytes per second for transferring"
                + " 'src:100/vm-100-disk-0.raw'");
        String last = r.errLines().stream().filter(l -> l.contains("\"done\":true")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("\"bytes\":(\\d+),\"total\":(\\d+),\"seconds\":([0-9.]+)").matcher(last);
        assertThat(m.find()).as(last).isTrue();
        long bytes = Long.parseLong(m.group(1));
        assertThat(bytes).isEqualTo(8 + 6L * 1024 * 1024);
        double rate = bytes / Double.parseDouble(m.group(3));
        assertThat(rate).isBetween(1048576 * 0.9, 1048576 * 1.1);
    }
}
