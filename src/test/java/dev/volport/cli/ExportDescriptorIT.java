package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FILE names that a review found to lose data: a descriptor the caller holds open ({@code /dev/stdout >> log},
 * {@code /dev/fd/5}), a bind mount of a storage, and a file on a read-only filesystem.
 */
class ExportDescriptorIT {
    private static final String VOL = "src:100/vm-100-disk-0.raw";
    @TempDir
    Path tmp;
    String v;
    Path volFile;

    @BeforeEach
    void volume() throws Exception {
        v = Shell.twoDirStorages(tmp);
        volFile = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        ok(bash(v + " alloc src 100 '' 1M && head -c 1M /dev/urandom | dd of=" + q(volFile)
                + " conv=notrunc status=none"));
    }

    @AfterEach
    void unmount() throws Exception {
        bash("for m in " + q(tmp.resolve("bind")) + " " + q(tmp.resolve("ro")) + "; do mountpoint -q \"$m\" &&"
                + " umount \"$m\"; done; true");
    }

    private static String ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r.out();
    }

    private byte[] stream() throws Exception {
        Path s = tmp.resolve("stream");
        ok(bash(v + " export " + VOL + " raw+size " + q(s)));
        return Files.readAllBytes(s);
    }

    @Test
    void devStdoutAppendedToALogKeepsTheLog() throws Exception {
        Path log = tmp.resolve("log.txt");
        Files.writeString(log, "IMPORTANT LOG LINE\n");
        ok(bash(v + " export " + VOL + " raw+size /dev/stdout >> " + q(log)));
        byte[] all = Files.readAllBytes(log);
        byte[] head = "IMPORTANT LOG LINE\n".getBytes();
        assertThat(Arrays.copyOf(all, head.length)).isEqualTo(head);
        assertThat(Arrays.copyOfRange(all, head.length, all.length)).isEqualTo(stream());
    }

    @Test
    void devStdoutSharesTheCallersOffset() throws Exception {
        Path out = tmp.resolve("out");
        ok(bash("{ " + v + " export " + VOL + " raw+size /dev/stdout; echo tail; } > " + q(out)));
        byte[] all = Files.readAllBytes(out);
        byte[] s = stream();
        assertThat(Arrays.copyOf(all, s.length)).isEqualTo(s);
        assertThat(new String(Arrays.copyOfRange(all, s.length, all.length))).isEqualTo("tail\n");
    }

    @Test
    void aDescriptorTheCallerHoldsGetsTheStreamInItsOwnFile() throws Exception {
        Path out = tmp.resolve("out5");
        // the file the caller opened is written, not replaced: same inode before and after, the stream inside
        String r = ok(bash("exec 5>" + q(out) + "; stat -c %i " + q(out) + "; " + v + " export " + VOL
                + " raw+size /dev/fd/5; stat -c %i " + q(out)));
        assertThat(r.lines().distinct().count()).as(r).isEqualTo(1);
        assertThat(Files.readAllBytes(out)).isEqualTo(stream());
    }

    @Test
    void devStderrIsRefused() throws Exception {
        Result r = bash(v + " export " + VOL + " raw+size /dev/stderr 2>" + q(tmp.resolve("err")));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(Files.readString(tmp.resolve("err"))).contains("stderr carries progress and errors");
    }

    @Test
    void aBindMountOfAStorageIsRefusedAndTheOtherVolumeKept() throws Exception {
        ok(bash(v + " alloc src 100 vm-100-disk-9.raw 2M"));
        Path other = tmp.resolve("src/images/100/vm-100-disk-9.raw");
        String before = sha(other);
        Path bind = tmp.resolve("bind");
        Files.createDirectories(bind);
        ok(bash("mount --bind " + q(tmp.resolve("src")) + " " + q(bind)));
        Result r = bash(v + " export " + VOL + " raw+size " + q(bind.resolve("images/100/vm-100-disk-9.raw")));
        assertThat(r.exit()).as(r.err()).isEqualTo(1);
        assertThat(r.err()).contains("refusing to write into").contains("of storage 'src'");
        Result fresh = bash(v + " export " + VOL + " raw+size " + q(bind.resolve("images/100/new.raw")));
        assertThat(fresh.exit()).as(fresh.err()).isEqualTo(1);
        assertThat(sha(other)).isEqualTo(before);
        assertThat(tmp.resolve("src/images/100/new.raw")).doesNotExist();
    }

    @Test
    void aFileOnAReadOnlyFilesystemSaysSo() throws Exception {
        Path ro = tmp.resolve("ro");
        Files.createDirectories(ro);
        ok(bash("mount -t tmpfs -o size=1m tmpfs " + q(ro) + " && echo old > " + q(ro.resolve("f"))
                + " && mount -o remount,ro " + q(ro)));
        Result r = bash(v + " export " + VOL + " raw+size " + q(ro.resolve("f")));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("cannot write").contains("read-only file system")
                .doesNotContain("permission denied");
        assertThat(Files.readString(ro.resolve("f"))).isEqualTo("old\n");
    }

    private static String sha(Path f) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
    }
}
