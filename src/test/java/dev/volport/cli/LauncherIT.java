package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line as a user runs it: {@code bin/volport} in real processes, piped into and from the reference's
 * own tools ({@code perl pack}, {@code dd}), with exit codes and stderr checked.
 */
class LauncherIT {
    @TempDir
    Path tmp;
    Path cfg;
    String v;

    @BeforeEach
    void config() throws IOException {
        cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, """
                dir: src
                \tpath %s
                \tcontent images,rootdir,iso

                dir: dst
                \tpath %s
                """.formatted(tmp.resolve("src"), tmp.resolve("dst")));
        v = Shell.VOLPORT + " --config " + q(cfg);
    }

    private Path file(String store, String volname) {
        return tmp.resolve(store).resolve("images").resolve(volname);
    }

    /** Leaves nothing of a failed import: no volume, no staging file. */
    private void assertNothingIn(String store) throws IOException {
        Path images = tmp.resolve(store).resolve("images");
        if (Files.exists(images)) {
            try (Stream<Path> s = Files.walk(images)) {
                assertThat(s.filter(Files::isRegularFile).toList()).isEmpty();
            }
        }
    }

    private static void assertOneErrorLine(Result r, int exit, String fragment) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.err()).startsWith("volport: ").contains(fragment);
    }

    @Test
    void demoRunsEndToEnd() throws Exception {
        Result r = bash(Shell.VOLPORT + " demo --dir " + q(tmp.resolve("demo")));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("raw+size").contains("(identical)").contains("Done");
        assertThat(tmp.resolve("demo")).doesNotExist();
    }

    @Test
    void versionAndHelp() throws Exception {
        Result r = bash(Shell.VOLPORT + " --version");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).startsWith("volport ");
        Result h = bash(Shell.VOLPORT + " --help");
        assertThat(h.out()).contains("export", "import", "export-formats", "import-formats", "alloc", "free",
                "list", "path", "info", "status", "demo");
    }

    @Test
    void exportPipedIntoImportBetweenTwoProcesses() throws Exception {
        Result alloc = bash(v + " alloc src 100 '' 64M");
        assertThat(alloc.out()).isEqualTo("successfully created 'src:100/vm-100-disk-0.raw'\n");
        Path src = file("src", "100/vm-100-disk-0.raw");
        bash("dd if=/dev/urandom of=" + q(src) + " bs=1M count=3 seek=20 conv=notrunc status=none");
        Result r = bash(v + " export src:100/vm-100-disk-0.raw raw+size - | "
                + v + " import dst:100/vm-100-disk-0.raw raw+size -");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-0.raw'\n");
        Path dst = file("dst", "100/vm-100-disk-0.raw");
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        Result du = bash("du -k " + q(dst) + " | cut -f1");
        assertThat(Long.parseLong(du.out().strip())).isLessThan(8 * 1024);
    }

    @Test
    void importsAStreamBuiltExactlyAsTheReferenceBuildsIt() throws Exception {
        Path f = tmp.resolve("image.raw");
        bash("head -c 1000001 /dev/urandom > " + q(f));
        Result r = bash("{ perl -e 'print pack(\"Q<\", 1000001)'; dd if=" + q(f) + " bs=4k status=none; } | "
                + v + " import dst:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 -allow-rename 1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-0.raw'\n");
        assertThat(Files.mismatch(f, file("dst", "100/vm-100-disk-0.raw"))).isEqualTo(-1);
        // the same command again: the reference's -allow-rename 1 picks the next free name
        Result again = bash("{ perl -e 'print pack(\"Q<\", 1000001)'; cat " + q(f) + "; } | "
                + v + " import dst:100/vm-100-disk-0.raw raw+size - --with-snapshots 0 --allow-rename 1");
        assertThat(again.out()).isEqualTo("successfully imported 'dst:100/vm-100-disk-1.raw'\n");
        assertThat(again.err()).contains("already exists - importing with a different name");
    }

    @Test
    void exportReadBackByDdConvSparseReproducesTheFile() throws Exception {
        bash(v + " alloc src 100 vm-100-disk-0.raw 10000");
        Path src = file("src", "100/vm-100-disk-0.raw");
        bash("dd if=/dev/urandom of=" + q(src) + " bs=4k count=100 seek=500 conv=notrunc status=none");
        Path out = tmp.resolve("out.raw");
        Result r = bash(v + " export src:100/vm-100-disk-0.raw raw+size - | { head -c 8 | od -An -tu8 >"
                + q(tmp.resolve("hdr")) + "; dd of=" + q(out) + " conv=sparse bs=64k status=none; }");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.readString(tmp.resolve("hdr")).strip()).isEqualTo(Long.toString(10000 * 1024L));
        assertThat(Files.mismatch(src, out)).isEqualTo(-1);
    }

    @Test
    void referenceBooleanSpellingsAllWork() throws Exception {
        bash(v + " alloc src 100 '' 4");
        for (String ws : new String[] {"-with-snapshots 0", "--with-snapshots 0", "--with-snapshots=0", ""}) {
            Result r = bash(v + " export-formats src:100/vm-100-disk-0.raw " + ws);
            assertThat(r.out()).as(ws).isEqualTo("raw+sparse\nraw+size\n");
        }
        Result bare = bash(v + " export-formats src:100/vm-100-disk-0.raw --with-snapshots");
        assertThat(bare.exit()).isZero();
        assertThat(bare.out()).isEmpty();
        Result one = bash(v + " import-formats dst:100/vm-100-disk-0.qcow2 -with-snapshots 1");
        assertThat(one.out()).isEqualTo("qcow2+size\n");
        Result bad = bash(v + " export-formats src:100/vm-100-disk-0.raw --with-snapshots 2");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("volport: ");
    }

    @Test
    void badStreamsFailWithOneLineAndLeaveNothing() throws Exception {
        String imp = v + " import dst:100/vm-100-disk-0.raw raw+size -";
        assertOneErrorLine(bash("printf 'abc' | " + imp), 1, "no size found in export header");
        assertOneErrorLine(bash("{ perl -e 'print pack(\"Q<\", 100000)'; head -c 99999 /dev/zero; } | " + imp), 1,
                "stream ended after 99999 of 100000 bytes");
        assertOneErrorLine(bash("{ perl -e 'print pack(\"Q<\", 100000)'; head -c 100001 /dev/zero; } | " + imp), 1,
                "goes on past the 100000 bytes");
        assertNothingIn("dst");
    }

    @Test
    void wrongRequestsAreRefusedBeforeReadingTheStream() throws Exception {
        assertOneErrorLine(bash("true | " + v + " import nosuch:100/vm-100-disk-0.raw raw+size -"), 1,
                "storage 'nosuch' does not exist");
        assertOneErrorLine(bash("true | " + v + " import dst:100/subvol-100-disk-0.subvol raw+size -"), 1,
                "cannot import format raw+size into a file of format subvol");
        assertOneErrorLine(bash("true | " + v + " import dst:100/vm-100-disk-0.raw qcow2+size - --with-snapshots 1"),
                1, "cannot import format qcow2+size into a file of format raw");
        assertOneErrorLine(bash("true | " + v + " import dst:100/vm-100-disk-0.raw raw+size - --with-snapshots 1"),
                1, "cannot be imported with snapshots");
        for (String hostile : new String[] {"dst:../../../../etc/passwd", "dst:100/../../x.raw",
            "dst:/etc/passwd.raw", "dst:100//vm-100-disk-0.raw", "dst:100/-rf.raw"}) {
            Result r = bash("true | " + v + " import " + q(hostile) + " raw+size -");
            assertThat(r.exit()).as(hostile + ": " + r.err()).isIn(1, 2);
            assertThat(r.err()).as(hostile).startsWith("volport: ");
        }
        assertOneErrorLine(bash(v + " import dst:100/vm-100-disk-0.raw nosuch+size -"), 2, "unknown format");
        Result usage = bash(v + " import");
        assertThat(usage.exit()).isEqualTo(2);
        assertNothingIn("dst");
        assertThat(tmp.resolve("etc")).doesNotExist();
    }

    @Test
    void fileArgumentsWorkBothWays() throws Exception {
        bash(v + " alloc src 100 '' 100");
        Path src = file("src", "100/vm-100-disk-0.raw");
        bash("head -c 5000 /dev/urandom | dd of=" + q(src) + " conv=notrunc status=none");
        Path stream = tmp.resolve("stream.bin");
        assertThat(bash(v + " export src:100/vm-100-disk-0.raw raw+size " + q(stream)).exit()).isZero();
        assertThat(Files.size(stream)).isEqualTo(8 + 102400);
        Result r = bash(v + " import dst:100/vm-100-disk-0.raw raw+size " + q(stream));
        assertThat(r.out()).contains("successfully imported");
        assertThat(Files.mismatch(src, file("dst", "100/vm-100-disk-0.raw"))).isEqualTo(-1);
    }

    @Test
    void listInfoStatusPathAndFree() throws Exception {
        bash(v + " alloc src 100 '' 1G && " + v + " alloc src 101 '' 1M");
        Result list = bash(v + " list src --output json");
        assertThat(list.out()).contains("\"volid\":\"src:100/vm-100-disk-0.raw\"", "\"size\":1073741824",
                "\"vmid\":101");
        Result filtered = bash(v + " list src --vmid 101");
        assertThat(filtered.out()).contains("src:101/vm-101-disk-0.raw").doesNotContain("vm-100");
        Result info = bash(v + " info src:100/vm-100-disk-0.raw --output json");
        assertThat(info.out()).contains("\"format\":\"raw\"", "\"used\":0");
        Result status = bash(v + " status --output json");
        assertThat(status.out()).contains("\"storage\":\"src\"", "\"status\":\"active\"");
        Result path = bash(v + " path src:101/vm-101-disk-0.raw");
        assertThat(path.out().strip()).isEqualTo(file("src", "101/vm-101-disk-0.raw").toString());
        assertThat(bash(v + " free src:101/vm-101-disk-0.raw").exit()).isZero();
        assertThat(file("src", "101/vm-101-disk-0.raw")).doesNotExist();
    }

    @Test
    void parallelProcessesNeverAllocateTheSameName() throws Exception {
        Result r = bash("for i in $(seq 1 8); do " + v + " alloc src 300 '' 4 & done; wait");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().sorted().toList()).hasSize(8).doesNotHaveDuplicates()
                .allMatch(l -> l.matches("successfully created 'src:300/vm-300-disk-[0-7]\\.raw'"));
    }

    @Test
    void aFewGibibytesSparseRoundTrip() throws Exception {
        bash(v + " alloc src 100 '' 3G");
        Path src = file("src", "100/vm-100-disk-0.raw");
        for (int at : new int[] {0, 1000, 2047, 3071}) {
            bash("dd if=/dev/urandom of=" + q(src) + " bs=1M count=1 seek=" + at + " conv=notrunc status=none");
        }
        Result r = bash(v + " --quiet export src:100/vm-100-disk-0.raw raw+size - | " + v
                + " --quiet import dst:100/vm-100-disk-0.raw raw+size -", 600);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        Path dst = file("dst", "100/vm-100-disk-0.raw");
        Result sums = bash("sha256sum < " + q(src) + " && sha256sum < " + q(dst) + " && du -k " + q(dst));
        var lines = sums.out().lines().toList();
        assertThat(lines.get(0)).isEqualTo(lines.get(1));
        assertThat(Long.parseLong(lines.get(2).split("\\s+")[0])).isLessThan(16 * 1024);
        assertThat(Files.size(dst)).isEqualTo(3L << 30);
    }

    @Test
    void plainProgressLinesGoToStderrOnly() throws Exception {
        bash(v + " alloc src 100 '' 2G");
        Result r = bash(v + " --progress json export src:100/vm-100-disk-0.raw raw+size - | wc -c");
        assertThat(r.out().strip()).isEqualTo(Long.toString((2L << 30) + 8));
        assertThat(r.err()).contains("\"op\":\"export src:100/vm-100-disk-0.raw\"", "\"done\":true");
    }
}
