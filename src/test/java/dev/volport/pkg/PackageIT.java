package dev.volport.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The packages of {@code scripts/package} on a host without Java. The .deb and the tarball are built once (from the
 * jar of this build, {@code --fast} compression), the .deb is installed with {@code dpkg --root} into a throw-away
 * root, and volport runs there under {@code chroot}: the root has the host's {@code /usr/bin} as {@code /bin} and
 * its C libraries and locales, read-only, but no {@code /usr/lib/jvm} and no {@code /etc/alternatives}, so no
 * {@code java} can be started. Every command runs in a mount namespace of its own ({@code unshare --mount}): its
 * mounts end with it, whatever happens to the test. Needs root (dpkg, mount, chroot), as the CI has.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PackageIT {
    private static final Path HOME =
            Path.of(System.getenv().getOrDefault("VOLPORT_HOME", ".")).toAbsolutePath().normalize();

    /** Mounts what the root borrows from the host, then runs {@code $2} in it with a clean environment. */
    private static final String IN_ROOT = """
            set -e
            r=$1
            ro() { mount --bind "$1" "$r$2"; mount -o remount,bind,ro "$r$2"; }
            ro /usr/bin /bin
            ro /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu
            ro /usr/lib64 /lib64
            ro /usr/lib/locale /usr/lib/locale
            mount --rbind /dev "$r/dev"
            mount -t proc proc "$r/proc"
            exec chroot "$r" /bin/env -i PATH=/usr/bin:/bin HOME=/tmp /bin/bash -c "set -o pipefail; cd /tmp; $2"
            """;

    private Path out;
    private Path deb;
    private Path tarball;
    private Path root;
    private String version;

    record Result(int exit, String out, String err) {
        Result ok() {
            assertThat(exit).as("exit status; stderr:\n%s\nstdout:\n%s", err, out).isZero();
            return this;
        }
    }

    @BeforeAll
    void buildAndInstall() throws Exception {
        assertThat(run(List.of("id", "-u")).out().strip()).as("PackageIT needs root (dpkg --root, mount, chroot)")
                .isEqualTo("0");
        out = HOME.resolve("target/package-it");
        Result built = run(List.of(HOME.resolve("scripts/package").toString(), "--no-build", "--fast",
                "--out", out.toString())).ok();
        assertThat(built.out()).contains(".tar.gz", ".deb", "installed");
        try (Stream<Path> s = Files.list(out)) {
            List<Path> files = s.toList();
            deb = files.stream().filter(p -> p.toString().endsWith("_amd64.deb")).findFirst().orElseThrow();
            tarball = files.stream().filter(p -> p.toString().endsWith("-linux-x86_64.tar.gz")).findFirst()
                    .orElseThrow();
        }
        version = tarball.getFileName().toString().replaceFirst("^volport-", "").replace("-linux-x86_64.tar.gz", "");

        root = Files.createTempDirectory("volport-pkg-root");
        for (String d : List.of("var/lib/dpkg/info", "var/lib/dpkg/updates", "bin", "lib/x86_64-linux-gnu", "lib64",
                "usr/lib/locale", "proc", "dev", "tmp", "opt")) {
            Files.createDirectories(root.resolve(d));
        }
        Files.createFile(root.resolve("var/lib/dpkg/status"));
        Files.createFile(root.resolve("var/lib/dpkg/available"));
        run(List.of("chmod", "1777", root.resolve("tmp").toString())).ok();
        // libc6 is the host's, not a package of this root: --force-depends
        Result installed = run(List.of("dpkg", "--root=" + root, "--force-depends", "-i", deb.toString())).ok();
        assertThat(installed.out()).contains("Setting up volport");
    }

    @AfterAll
    void removeRoot() throws Exception {
        if (root == null) {
            return;
        }
        // every mount lived in a namespace that ended with its command; make sure before removing the tree
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).as("mounts left under %s", root).doesNotContain(root.toString());
        run(List.of("rm", "-rf", "--one-file-system", root.toString())).ok();
    }

    /** Runs {@code script} with bash inside the root. */
    private Result inRoot(String script) throws Exception {
        return run(List.of("unshare", "--mount", "--propagation", "private", "bash", "-c", IN_ROOT, "in-root",
                root.toString(), script));
    }

    @Test
    @Order(1)
    void debHoldsTheInstalledLayoutAndDependsOnlyOnLibc() throws Exception {
        String contents = run(List.of("dpkg-deb", "--contents", deb.toString())).ok().out();
        assertThat(contents).contains(
                "./usr/bin/volport -> ../lib/volport/bin/volport",
                "./usr/lib/volport/bin/volport",
                "./usr/lib/volport/runtime/bin/java",
                "./usr/lib/volport/runtime/lib/modules",
                "./usr/lib/volport/volport.jar",
                "./usr/lib/volport/volport.aot",
                "./usr/lib/volport/lib/zstd-jni-",
                "./usr/lib/volport/lib/libzstd-jni-",
                "./usr/share/man/man1/volport.1.gz",
                "./usr/share/bash-completion/completions/volport",
                "./usr/share/zsh/vendor-completions/_volport");
        assertThat(contents.lines()).allMatch(l -> l.contains(" root/root "), "owned by root");
        assertThat(contents).doesNotContain("usr/lib/jvm", "/tmp/", "target/");
        // the runtime holds only the modules volport uses: java.base
        assertThat(run(List.of("bash", "-c", "dpkg-deb --fsys-tarfile " + q(deb)
                + " | tar -xO ./usr/lib/volport/runtime/release")).ok().out()).contains("MODULES=\"java.base\"");

        String control = run(List.of("dpkg-deb", "--field", deb.toString())).ok().out();
        assertThat(control).contains("Package: volport\n", "Architecture: amd64\n",
                "Version: " + version.replace('-', '~') + "\n", "Maintainer: volport maintainers <");
        assertThat(field(control, "Depends")).matches("libc6 \\(>= 2\\.\\d+\\)");
        assertThat(field(control, "Suggests")).contains("zfs", "btrfs-progs", "openssh-client")
                .doesNotContain("qemu");
        assertThat(control).doesNotContain("Recommends:", "Pre-Depends:");
    }

    @Test
    @Order(2)
    void noJavaInTheRoot() throws Exception {
        Result r = inRoot("if command -v java; then exit 1; fi; ls /usr/lib/jvm 2>&1 || true; ls /usr/lib").ok();
        assertThat(r.out()).contains("No such file or directory").contains("volport");
    }

    @Test
    @Order(3)
    void versionRunsOnTheShippedRuntimeWithItsCache() throws Exception {
        Result r = inRoot("volport --version").ok();
        assertThat(r.out()).startsWith("volport " + version + " (commit ").contains("Java 25");
        assertThat(r.err()).isEmpty();
        // the cache was trained where the package was built and is used at /usr/lib/volport
        Result aot = inRoot("VOLPORT_JAVA_OPTS=-Xlog:aot volport --version").ok();
        assertThat(aot.out()).contains("Using AOT-linked classes: true");
        assertThat(inRoot("volport help").ok().out()).contains("export", "import", "demo");
    }

    @Test
    @Order(4)
    void demo() throws Exception {
        Result r = inRoot("volport demo").ok();
        assertThat(r.out()).contains("raw+size", "(identical)", "Done");
    }

    @Test
    @Order(5)
    void exportPipedIntoImportBetweenTwoDirStorages() throws Exception {
        // zstd-jni must load its library from /usr/lib/volport/lib: with an unusable java.io.tmpdir, unpacking a
        // copy (what zstd-jni does without the package's java.library.path) would fail
        Result r = inRoot("""
                printf 'dir: src\\n\\tpath /tmp/s\\n\\ndir: dst\\n\\tpath /tmp/d\\n' >/tmp/storage.cfg
                v='volport --config /tmp/storage.cfg --quiet'
                $v alloc src 100 vm-100-disk-0.raw 64M >/dev/null
                f=/tmp/s/images/100/vm-100-disk-0.raw
                head -c 3145728 /dev/urandom | dd of=$f bs=1M seek=5 conv=notrunc iflag=fullblock status=none
                $v export src:100/vm-100-disk-0.raw raw+size - \\
                  | $v import dst:100/vm-100-disk-0.raw raw+size - >/dev/null
                VOLPORT_JAVA_OPTS=-Djava.io.tmpdir=/nonexistent $v export src:100/vm-100-disk-0.raw raw+sparse - \\
                  --compress zstd | tee /tmp/sparse.stream | $v import dst:100/vm-100-disk-1.raw raw+sparse - \\
                  >/dev/null
                sha256sum $f /tmp/d/images/100/vm-100-disk-0.raw /tmp/d/images/100/vm-100-disk-1.raw | cut -c1-64
                stat -c %s /tmp/sparse.stream
                """).ok();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.subList(0, 3)).containsOnly(lines.get(0));
        // 3 MiB of random data compressed by zstd stays about 3 MiB; the 61 MiB of zeros are not sent
        assertThat(Long.parseLong(lines.get(3))).isBetween(3L << 20, 4L << 20);
    }

    @Test
    @Order(6)
    void manPageAndCompletions() throws Exception {
        Result man = inRoot("gzip -dc /usr/share/man/man1/volport.1.gz | head -3").ok();
        assertThat(man.out()).contains(".TH VOLPORT 1").contains(version);
        Result bash = inRoot("source /usr/share/bash-completion/completions/volport && complete -p volport").ok();
        assertThat(bash.out()).contains("-F _volport_complete").contains("volport");
        assertThat(inRoot("head -1 /usr/share/zsh/vendor-completions/_volport").ok().out())
                .isEqualTo("#compdef volport\n");
    }

    @Test
    @Order(7)
    void tarballRunsWhereverItIsUnpackedAndWithoutItsCache() throws Exception {
        run(List.of("tar", "-xzf", tarball.toString(), "-C", root.resolve("opt").toString())).ok();
        String bin = "/opt/volport-" + version + "-linux-x86_64/bin/volport";
        Result aot = inRoot("VOLPORT_JAVA_OPTS=-Xlog:aot " + bin + " --version").ok();
        assertThat(aot.out()).contains("Using AOT-linked classes: true").contains("volport " + version);
        assertThat(Files.readString(root.resolve("opt/volport-" + version
                + "-linux-x86_64/share/man/man1/volport.1"))).startsWith(".\\\" generated by volport gen-docs");

        // a cache the runtime refuses (here: not a cache at all) costs start-up time, nothing else
        Path cache = root.resolve("opt/volport-" + version + "-linux-x86_64/volport.aot");
        Files.writeString(cache, "not an AOT cache\n");
        Result refused = inRoot(bin + " --version").ok();
        assertThat(refused.out()).startsWith("volport " + version);
        assertThat(refused.err()).isEmpty();
        run(List.of("rm", "-rf", root.resolve("opt/volport-" + version + "-linux-x86_64").toString())).ok();
    }

    @Test
    @Order(8)
    void removalLeavesNothing() throws Exception {
        run(List.of("dpkg", "--root=" + root, "-r", "volport")).ok();
        assertThat(root.resolve("usr/lib/volport")).doesNotExist();
        assertThat(root.resolve("usr/bin/volport")).doesNotExist();
        assertThat(root.resolve("usr/share/man/man1")).doesNotExist();
    }

    private static String field(String control, String name) {
        return control.lines().filter(l -> l.startsWith(name + ": ")).map(l -> l.substring(name.length() + 2))
                .findFirst().orElse("");
    }

    private static String q(Object s) {
        return "'" + s.toString().replace("'", "'\\''") + "'";
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(HOME.toFile());
        Process p = pb.start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        byte[] stdout = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        return new Result(p.exitValue(), new String(stdout, StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }
}
