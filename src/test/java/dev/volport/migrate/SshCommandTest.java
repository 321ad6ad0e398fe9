package dev.volport.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SshCommandTest {
    private static final RemoteHost HOST = new RemoteHost("node2", List.of("ssh", "-i", "/k"), Optional.of("n2"),
            Optional.of("aes256-gcm@openssh.com"), List.of("/opt/volport/bin/volport", "--config", "/etc/v.cfg"));

    @Test
    void theReferencesPrefixThenTheQuotedRemoteWords() {
        assertThat(SshCommand.argv(HOST, List.of("import", "dst:import/my  disk.raw", "raw+size", "-")))
                .containsExactly("ssh", "-i", "/k", "-e", "none", "-o", "BatchMode=yes", "-o", "HostKeyAlias=n2",
                        "-c", "aes256-gcm@openssh.com", "root@node2", "--", "/opt/volport/bin/volport", "--config",
                        "/etc/v.cfg", "import", "'dst:import/my  disk.raw'", "raw+size", "-");
    }

    @Test
    void quotingSurvivesAShell() throws Exception {
        for (String word : List.of("plain", "a b", "it's", "$(touch x)", "", "`x`;|&<>*?~!#\"\\", "new\nline")) {
            Process p = new ProcessBuilder("sh", "-c", "printf '%s' " + SshCommand.quote(word)).start();
            assertThat(new String(p.getInputStream().readAllBytes())).isEqualTo(word);
            assertThat(p.waitFor()).isZero();
        }
    }

    @Test
    void cipherChoice() {
        assertThat(SshCommand.cipherOptions(RemoteHost.of("h").withCipher("default"))).isEmpty();
        assertThat(SshCommand.cipherOptions(RemoteHost.of("h").withCipher("aes128-ctr")))
                .containsExactly("-c", "aes128-ctr");
        // volport's default follows the CPU: AES-GCM first where it has AES instructions, ssh's own choice otherwise
        List<String> def = SshCommand.cipherOptions(RemoteHost.of("h"));
        assertThat(def).isEqualTo(SshCommand.defaultCiphers().isEmpty() ? List.of()
                : List.of("-c", SshCommand.AES_FIRST));
        assertThat(SshCommand.AES_FIRST).startsWith("aes128-gcm@openssh.com,");
    }

    @Test
    void forwardingRunsNoRemoteCommand() {
        assertThat(SshCommand.forwardArgv(HOST, Path.of("/tmp/d/s.sock"), "/tmp/r.sock")).containsExactly("ssh",
                "-i", "/k", "-e", "none", "-o", "BatchMode=yes", "-o", "HostKeyAlias=n2", "-c",
                "aes256-gcm@openssh.com", "-N", "-o", "ExitOnForwardFailure=yes", "-L", "/tmp/d/s.sock:/tmp/r.sock",
                "root@node2");
    }

    @Test
    void aCallersOwnConnectionSharingIsLeftAlone() {
        assertThat(SshMaster.ownSharing(List.of("ssh", "-i", "/k", "-p", "2222"))).isFalse();
        assertThat(SshMaster.ownSharing(List.of("ssh", "-o", "StrictHostKeyChecking=yes"))).isFalse();
        assertThat(SshMaster.ownSharing(List.of("ssh", "-o", "ControlPath=~/.ssh/cm-%C"))).isTrue();
        assertThat(SshMaster.ownSharing(List.of("ssh", "-oControlMaster=auto"))).isTrue();
        assertThat(SshMaster.ownSharing(List.of("ssh", "-S", "/run/ctl"))).isTrue();
        assertThat(SshMaster.ownSharing(List.of("ssh", "-S/run/ctl"))).isTrue();
    }

    @Test
    void withoutAWorkingSshThereIsNoMasterAndNothingLeft() throws Exception {
        // an ssh that exits at once: the migration goes on without sharing, and the private directory is gone
        Path tmpdir = Path.of(System.getProperty("java.io.tmpdir"));
        List<String> before;
        try (var s = java.nio.file.Files.list(tmpdir)) {
            before = s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("volport-ssh-")).toList();
        }
        RemoteHost broken = new RemoteHost("node2", List.of("false"), Optional.empty(), Optional.of("default"),
                List.of("volport"));
        assertThat(SshMaster.open(new dev.volport.os.ProcessCommandRunner(), broken)).isEmpty();
        try (var s = java.nio.file.Files.list(tmpdir)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("volport-ssh-")))
                    .containsExactlyInAnyOrderElementsOf(before);
        }
    }
}
