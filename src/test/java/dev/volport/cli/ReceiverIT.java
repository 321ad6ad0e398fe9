package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code volport import … tcp://…} and {@code unix://…} as {@code pvesm import}: driven the way the reference's
 * {@code storage_migrate} drives its receiver (its argv, then the readiness lines parsed from stdout, a connection,
 * the stream, a half-close), with the sender written in Perl as the reference's is.
 */
// Runs beside the other integration tests (pom.xml: two threads); its own lock keeps its tests in one thread.
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("volport-ReceiverIT")
class ReceiverIT {
    /** The reference's insecure sender: connect, shut the read side, copy stdin, half-close, wait for the end. */
    private static final String PERL_TCP_SENDER = "perl -MIO::Socket::IP -e '"
            + "my $s = IO::Socket::IP->new(PeerHost => $ARGV[0], PeerPort => $ARGV[1], Type => SOCK_STREAM)"
            + " or die \"failed to connect to tunnel at $ARGV[0]:$ARGV[1]\\n\"; shutdown($s, 0); binmode STDIN;"
            + " my $b; while (my $n = sysread(STDIN, $b, 1 << 20)) { print $s $b or die \"write: $!\\n\" }"
            + " shutdown($s, 1);'";
    private static final String PERL_UNIX_SENDER = "perl -MIO::Socket::UNIX -e '"
            + "my $s = IO::Socket::UNIX->new(Peer => $ARGV[0], Type => SOCK_STREAM) or die \"connect: $!\\n\";"
            + " binmode STDIN; my $b; while (my $n = sysread(STDIN, $b, 1 << 20)) { print $s $b or die }"
            + " shutdown($s, 1);'";

    @TempDir
    Path tmp;
    String volport;
    Path source;

    @BeforeEach
    void storages() throws Exception {
        volport = Shell.twoDirStorages(tmp);
        source = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        Result r = bash(volport + " alloc src 100 vm-100-disk-0.raw 6M && head -c 5M /dev/urandom | dd of="
                + q(source) + " conv=notrunc status=none");
        assertThat(r.exit()).as(r.err()).isZero();
    }

    private String sha(Path p) throws Exception {
        return bash("sha256sum < " + q(p)).out();
    }

    @Test
    void tcpReceiverPrintsIpAndPortThenImportsWhatTheReferenceSenderSends() throws Exception {
        // the receiver argv exactly as storage_migrate builds it, with a network instead of an address
        Result r = bash("coproc R { " + volport + " import dst:100/vm-100-disk-0.raw raw+size tcp://127.0.0.0/8"
                + " -with-snapshots 0 -allow-rename 0; }\n"
                + "read -r ip <&${R[0]}; read -r port <&${R[0]}\n"
                + "[[ $ip =~ ^[0-9.]+$ ]] || { echo \"no tunnel IP received, got '$ip'\" >&2; exit 9; }\n"
                + "[[ $port =~ ^[0-9]+$ ]] || { echo \"no tunnel port received, got '$port'\" >&2; exit 9; }\n"
                + "echo \"ip=$ip port=$port\"\n"
                + "exec 3<&${R[0]}\n"
                + volport + " export src:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 | "
                + PERL_TCP_SENDER + " \"$ip\" \"$port\"\n"
                + "cat <&3; wait $R_PID");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.out().lines().toList().getFirst()).matches("ip=127\\.0\\.0\\.1 port=600[0-4][0-9]");
        assertThat(r.out().lines().toList().get(1)).isEqualTo("successfully imported 'dst:100/vm-100-disk-0.raw'");
        assertThat(sha(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(sha(source));
    }

    @Test
    void tcpReceiverTakesTheNextFreePortWhenTheFirstIsTaken() throws Exception {
        // two receivers at once: the second must not get the first's port
        Result r = bash("coproc A { " + volport + " import dst:100/vm-100-disk-0.raw raw+size tcp://127.0.0.1"
                + " -with-snapshots 0 -allow-rename 0; }\n"
                + "read -r ipa <&${A[0]}; read -r porta <&${A[0]}; exec 3<&${A[0]}\n"
                + "coproc B { " + volport + " import dst:100/vm-100-disk-1.raw raw+size tcp://127.0.0.1"
                + " -with-snapshots 0 -allow-rename 0; }\n"
                + "read -r ipb <&${B[0]}; read -r portb <&${B[0]}; exec 4<&${B[0]}\n"
                + "echo \"$porta $portb\"\n"
                + "for p in $porta $portb; do " + volport + " export src:100/vm-100-disk-0.raw raw+size -"
                + " -with-snapshots 0 | " + PERL_TCP_SENDER + " 127.0.0.1 $p; done\n"
                + "cat <&3; cat <&4; wait");
        assertThat(r.exit()).as(r.err()).isZero();
        String[] ports = r.out().lines().toList().getFirst().split(" ");
        assertThat(ports[0]).isNotEqualTo(ports[1]);
        assertThat(Integer.parseInt(ports[1])).isBetween(60000, 60049);
        assertThat(r.out()).contains("successfully imported 'dst:100/vm-100-disk-0.raw'",
                "successfully imported 'dst:100/vm-100-disk-1.raw'");
    }

    @Test
    void unixReceiverPrintsReadyAndRemovesItsSocket() throws Exception {
        Path sock = tmp.resolve("import.sock");
        Result r = bash("coproc R { " + volport + " import dst:100/vm-100-disk-0.raw raw+size unix://" + q(sock)
                + " -with-snapshots 0 -allow-rename 0; }\n"
                + "read -r ready <&${R[0]}; echo \"line=$ready\"; exec 3<&${R[0]}\n"
                + volport + " export src:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 | "
                + PERL_UNIX_SENDER + " " + q(sock) + "\n"
                + "cat <&3; wait $R_PID");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("line=ready\nsuccessfully imported 'dst:100/vm-100-disk-0.raw'\n");
        assertThat(sha(tmp.resolve("dst/images/100/vm-100-disk-0.raw"))).isEqualTo(sha(source));
        assertThat(sock).doesNotExist();
    }

    @Test
    void unixReceiverRefusesAnExistingFileAndKeepsIt() throws Exception {
        Path sock = tmp.resolve("taken");
        Files.writeString(sock, "mine");
        Result r = bash(volport + " import dst:100/vm-100-disk-0.raw raw+size unix://" + q(sock)
                + " -with-snapshots 0 -allow-rename 0 < /dev/null");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("failed to open socket: '" + sock + "' already exists");
        assertThat(Files.readString(sock)).isEqualTo("mine");
    }

    @Test
    void aNetworkWithoutALocalAddressIsTheReferencesError() throws Exception {
        Result r = bash(volport + " import dst:100/vm-100-disk-0.raw raw+size tcp://203.0.113.0/24"
                + " -with-snapshots 0 -allow-rename 0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("Unable to get any local IP address in network '203.0.113.0/24'");
    }

    @Test
    void anExistingTargetIsRefusedBeforeListening() throws Exception {
        assertThat(bash(volport + " alloc dst 100 vm-100-disk-0.raw 4").exit()).isZero();
        Result r = bash(volport + " import dst:100/vm-100-disk-0.raw raw+size tcp://127.0.0.1"
                + " -with-snapshots 0 -allow-rename 0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty(); // no readiness lines: the sender learns nothing to connect to
        assertThat(r.err()).contains("already exists");
    }

    @Test
    void noClientWithin30SecondsTimesOutAndLeavesNothing() throws Exception {
        long t0 = System.nanoTime();
        Result r = bash(volport + " import dst:100/vm-100-disk-0.raw raw+size tcp://127.0.0.1"
                + " -with-snapshots 0 -allow-rename 0", 120);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).matches("127\\.0\\.0\\.1\n600[0-4][0-9]\n");
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).contains("timed out waiting for client");
        assertThat(seconds).isBetween(29.0, 60.0);
        assertThat(tmp.resolve("dst/images/100/vm-100-disk-0.raw")).doesNotExist();
    }
}
