package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage rules of issue 10 as a user meets them through {@code bin/volport}: renaming imports that race,
 * mount-point storages that are not mounted, content types, names alloc refuses, linked-clone names, a full disk
 * during preallocation, and a running import's staging file on a shared storage. Real filesystems are mounted
 * where needed (the suite runs as root) and unmounted afterwards.
 */
class StorageRulesIT {
    @TempDir
    Path tmp;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void unmount() throws Exception {
        for (Path m : mounts) {
            bash("mountpoint -q " + q(m) + " && umount " + q(m) + " || true");
        }
    }

    private String volport(String config) throws IOException {
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, config);
        return Shell.VOLPORT + " --config " + q(cfg) + " --quiet";
    }

    /** One error line: the message, after the operation the CLI puts in front ("alloc on local: ") if any. */
    private static void assertOneError(Result r, String message) {
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.errLines()).as(r.err()).hasSize(1);
        assertThat(r.errLines().getFirst()).as(r.err())
                .matches("volport: ([a-z-]+ (of|on|into) [^ ]+: )?" + java.util.regex.Pattern.quote(message));
        assertThat(r.out()).isEmpty();
    }

    private static List<Path> files(Path root) throws IOException {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p) && !p.getFileName().toString().equals(".volport.lock"))
                    .toList();
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    @Test
    void concurrentImportsWithAllowRenameToOneNameAllSucceedUnderDistinctNames() throws Exception {
        String v = volport("dir: dst\n\tpath " + tmp.resolve("dst") + "\n");
        int n = 8;
        List<byte[]> bodies = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] body = new byte[(1 << 20) + i];
            new Random(i).nextBytes(body);
            bodies.add(body);
            Files.write(tmp.resolve("body" + i), body);
        }
        // every import reads its header, then waits: all of them have chosen a name before any commits
        StringBuilder script = new StringBuilder("cd " + q(tmp) + "\n");
        for (int i = 0; i < n; i++) {
            script.append("( { perl -e 'print pack(\"Q<\", ").append(bodies.get(i).length).append(")'; sleep 2; cat body")
                    .append(i).append("; } | ").append(v).append(" import dst:100/vm-100-disk-0.raw raw+size -")
                    .append(" --allow-rename 1 >out").append(i).append(" 2>err").append(i).append("; echo $? >rc")
                    .append(i).append(" ) &\n");
        }
        script.append("wait\n");
        Result all = bash(script.toString(), 600);
        assertThat(all.exit()).isZero();

        Pattern imported = Pattern.compile("successfully imported 'dst:100/(vm-100-disk-\\d+\\.raw)'\n");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String err = Files.readString(tmp.resolve("err" + i));
            assertThat(Files.readString(tmp.resolve("rc" + i)).strip()).as(err).isEqualTo("0");
            Matcher m = imported.matcher(Files.readString(tmp.resolve("out" + i)));
            assertThat(m.matches()).as(Files.readString(tmp.resolve("out" + i))).isTrue();
            assertThat(names.add(m.group(1))).as("distinct volume ids").isTrue();
            Path file = tmp.resolve("dst/images/100").resolve(m.group(1));
            assertThat(sha256(Files.readAllBytes(file))).as(m.group(1) + " holds import " + i + "'s content")
                    .isEqualTo(sha256(bodies.get(i)));
        }
        assertThat(names).hasSize(n);
        assertThat(files(tmp.resolve("dst/images"))).hasSize(n);
    }

    @Test
    void anUnmountedMountPointStorageRefusesEveryCommandAndShowsAsInactive() throws Exception {
        Path mnt = tmp.resolve("mnt");
        Files.createDirectories(mnt);
        String v = volport("dir: backup\n\tpath " + mnt + "\n\tis_mountpoint yes\n\n"
                + "dir: sub\n\tpath " + mnt.resolve("store") + "\n\tis_mountpoint " + mnt + "\n\n"
                + "dir: plain\n\tpath " + tmp.resolve("plain") + "\n\tis_mountpoint off\n");
        String why = "unable to activate storage 'backup' - directory is expected to be a mount point but is not"
                + " mounted: '" + mnt + "'";
        String stream = "{ perl -e 'print pack(\"Q<\", 3)'; printf abc; } | ";
        for (String cmd : List.of("list backup", "alloc backup 100 '' 1M", "info backup:100/vm-100-disk-0.raw",
                "export backup:100/vm-100-disk-0.raw raw+size -", "free backup:100/vm-100-disk-0.raw")) {
            assertOneError(bash(v + " " + cmd), why);
        }
        assertOneError(bash(stream + v + " import backup:100/vm-100-disk-0.raw raw+size -"), why);
        assertOneError(bash(v + " list sub"), why.replace("'backup'", "'sub'"));
        assertThat(mnt).isEmptyDirectory();

        Result path = bash(v + " path backup:100/vm-100-disk-0.raw");   // as the reference: no activation
        assertThat(path.exit()).as(path.err()).isZero();
        assertThat(path.out()).isEqualTo(mnt.resolve("images/100/vm-100-disk-0.raw") + "\n");
        Result status = bash(v + " status --output json");
        assertThat(status.exit()).as(status.err()).isZero();
        assertThat(status.out()).contains("{\"storage\":\"backup\",\"type\":\"dir\",\"status\":\"inactive\"")
                .contains("{\"storage\":\"sub\",\"type\":\"dir\",\"status\":\"inactive\"");
        // is_mountpoint off is a boolean, not a path
        Result plain = bash(v + " alloc plain 100 '' 1M");
        assertThat(plain.exit()).as(plain.err()).isZero();

        mounts.add(mnt);
        Result m = bash("mount -t tmpfs -o size=8m volport-test " + q(mnt));
        assertThat(m.exit()).as("mounting a tmpfs needs root: " + m.err()).isZero();
        Result alloc = bash(v + " alloc backup 100 '' 1M && " + v + " list backup && " + v + " list sub");
        assertThat(alloc.exit()).as(alloc.err()).isZero();
        assertThat(alloc.out()).contains("successfully created 'backup:100/vm-100-disk-0.raw'")
                .contains("backup:100/vm-100-disk-0.raw raw");
        assertThat(bash(v + " status --output json").out()).contains("\"storage\":\"backup\",\"type\":\"dir\","
                + "\"status\":\"active\"");
    }

    @Test
    void contentTypesAreEnforcedAndWhatIsAcceptedIsListed() throws Exception {
        String v = volport("dir: vms\n\tpath " + tmp.resolve("vms") + "\n\tcontent images\n\n"
                + "dir: isos\n\tpath " + tmp.resolve("isos") + "\n\tcontent iso\n");
        String stream = "{ perl -e 'print pack(\"Q<\", 3)'; printf abc; } | ";
        assertOneError(bash(stream + v + " import vms:iso/x.iso raw+size -"),
                "import of vms:iso/x.iso: storage 'vms' does not support content-type 'iso'");
        assertOneError(bash(v + " alloc isos 100 '' 1M"),
                "alloc of a raw volume for VM 100: storage 'isos' does not support content-type 'images'");
        assertOneError(bash(stream + v + " import isos:100/vm-100-disk-0.raw raw+size -"),
                "import of isos:100/vm-100-disk-0.raw: storage 'isos' does not support content-type 'images'");
        assertOneError(bash(v + " alloc vms 100 '' 0 --format subvol"),
                "alloc of a subvol volume for VM 100: storage 'vms' does not support content-type 'rootdir'");
        assertThat(files(tmp.resolve("vms"))).isEmpty();
        assertThat(files(tmp.resolve("isos"))).isEmpty();

        Result ok = bash(stream + v + " import isos:iso/x.iso raw+size - && " + v + " list isos");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(ok.out()).contains("successfully imported 'isos:iso/x.iso'").contains("isos:iso/x.iso ");
    }

    @Test
    void allocRefusesNamesThatDoNotBelongToTheGuest() throws Exception {
        String v = volport("dir: local\n\tpath " + tmp.resolve("local") + "\n");
        assertOneError(bash(v + " alloc local 100 bogus2.raw 1M"), "illegal name 'bogus2.raw' - should be 'vm-100-*'");
        assertOneError(bash(v + " alloc local 100 vm-101-disk-5.raw 1M"),
                "illegal name 'vm-101-disk-5.raw' - should be 'vm-100-*'");
        assertOneError(bash(v + " alloc local 100 vm-100-disk-1.subvol 0"),
                "illegal name 'vm-100-disk-1.subvol' - should be 'subvol-100-*'");
        assertThat(files(tmp.resolve("local"))).isEmpty();
        Result ok = bash(v + " alloc local 100 vm-100-disk-5.raw 1M");
        assertThat(ok.out()).isEqualTo("successfully created 'local:100/vm-100-disk-5.raw'\n");
    }

    @Test
    void aLinkedCloneNameIsRefusedBeforeTheStreamIsRead() throws Exception {
        String v = volport("dir: local\n\tpath " + tmp.resolve("local") + "\n");
        Result r = bash("{ perl -e 'print pack(\"Q<\", 65536)'; head -c 65536 /dev/zero; } | " + v
                + " import local:100/vm-100-disk-1.qcow2/100/vm-100-disk-77.qcow2 qcow2+size - --with-snapshots 1");
        assertOneError(r, "import of local:100/vm-100-disk-1.qcow2/100/vm-100-disk-77.qcow2 refused: the name is a"
                + " linked clone of '100/vm-100-disk-1.qcow2', and an import makes a volume of its own; import it as"
                + " 'local:100/vm-100-disk-77.qcow2'");
        assertThat(files(tmp.resolve("local"))).isEmpty();
        Result formats = bash(v + " import-formats local:100/vm-100-disk-1.qcow2/100/vm-100-disk-77.qcow2"
                + " --with-snapshots 1");
        assertThat(formats.out()).isEmpty();
    }

    @Test
    void fullPreallocationOnAFullDiskNamesTheVolumeAndFileAndLeavesNothing() throws Exception {
        Path img = tmp.resolve("small.img");
        Path mnt = tmp.resolve("small");
        Files.createDirectories(mnt);
        Result mk = bash("truncate -s 20M " + q(img) + " && mkfs.ext4 -q " + q(img));
        assertThat(mk.exit()).as(mk.err()).isZero();
        mounts.add(mnt);
        Result m = bash("mount -o loop " + q(img) + " " + q(mnt));
        assertThat(m.exit()).as("loop-mounting needs root: " + m.err()).isZero();
        String v = volport("dir: small\n\tpath " + mnt + "\n\tpreallocation full\n");
        for (String fmt : List.of("raw", "qcow2")) {
            Path file = mnt.resolve("images/100/vm-100-disk-0." + fmt);
            assertOneError(bash(v + " alloc small 100 '' 100M --format " + fmt), "alloc of small:100/vm-100-disk-0."
                    + fmt + ": writing '" + file + "': no space left on device");
            assertThat(mnt.resolve("images/100")).doesNotExist();
        }
        assertThat(files(mnt.resolve("images"))).isEmpty();
    }

    @Test
    void aRunningImportKeepsItsStagingFileOnASharedStorageUntilItIsKilled() throws Exception {
        Path cfg = tmp.resolve("storage.cfg");
        String v = volport("dir: nfs\n\tpath " + tmp.resolve("nfs") + "\n\tshared 1\n");
        Process p = new ProcessBuilder(Shell.VOLPORT, "--config", cfg.toString(), "--quiet", "import",
                "nfs:100/vm-100-disk-0.raw", "raw+size", "-").redirectError(tmp.resolve("err").toFile())
                .redirectOutput(tmp.resolve("out").toFile()).start();
        Path guest = tmp.resolve("nfs/images/100");
        try (OutputStream in = p.getOutputStream()) {
            in.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 30).array());
            in.write(new byte[1 << 16]);
            in.flush();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (files(guest).isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            List<Path> staged = files(guest);
            assertThat(staged).hasSize(1);
            assertThat(staged.getFirst().getFileName().toString())
                    .matches("\\.volport-staging\\.[0-9a-f]{16}\\.vm-100-disk-0\\.raw");
            // another process cleans up and allocates on the same storage: the running import is not a leftover
            String loud = v.replace(" --quiet", "");
            Result other = bash(loud + " list nfs && " + loud + " alloc nfs 100 '' 1M");
            assertThat(other.exit()).as(other.err()).isZero();
            assertThat(other.err()).doesNotContain("removed");
            assertThat(other.out()).contains("successfully created 'nfs:100/vm-100-disk-1.raw'");
            assertThat(staged.getFirst()).exists();

            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);   // SIGKILL: no cleanup of its own
            assertThat(staged.getFirst()).exists();
            Result after = bash(v.replace(" --quiet", "") + " list nfs");
            assertThat(after.exit()).as(after.err()).isZero();
            assertThat(after.err()).isEqualTo("volport: removed '" + staged.getFirst()
                    + "', left by an interrupted import\n");
            assertThat(staged.getFirst()).doesNotExist();
        } catch (IOException brokenPipe) {
            throw new AssertionError("the import ended early: " + Files.readString(tmp.resolve("err")), brokenPipe);
        } finally {
            p.destroyForcibly();
        }
    }
}
