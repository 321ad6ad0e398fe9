package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link KillImporterIT} for the socket transports of a migration: the receiver is {@code volport import VOLID FMT
 * tcp://127.0.0.1} (it prints its address and port) or {@code … unix://PATH} (it prints {@code ready}), exactly as a
 * migration starts it on the target; the stream arrives over the socket and the receiver is killed with SIGKILL at 20
 * points once it has taken that many bytes. The same checks follow: nothing visible unless complete and correct,
 * nothing outside the storage changed, the next operation removes what is left. One import path per storage type
 * and the container format (the pipe transport — and ssh, which hands the receiver its stdin — is
 * {@link KillImporterIT}'s, for every path).
 */
class KillReceiverIT extends FaultWorldTest {
    static final int POINTS = 20;

    Path feeder;

    @BeforeAll
    void setUp() throws Exception {
        feeder = SocketFeeder.install(tmp);
    }

    List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (ImportPath p : world.paths()) {
            if (List.of("dir raw+sparse>qcow2", "dir tar+size>subvol", "btrfs raw+size>raw", "zfs zfs>subvol")
                    .contains(p.name())) {
                all.add(Arguments.of("tcp", p));
                all.add(Arguments.of("unix", p));
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void aKilledReceiverLeavesNothingButACompleteVolume(String transport, ImportPath p) throws Exception {
        Path stream = world.stream(p);
        String expected = world.expected(p);
        long size = Files.size(stream);
        KillImporterIT.Tally tally = new KillImporterIT.Tally(world);
        for (int k = 1; k <= POINTS; k++) {
            long at = size * k / (POINTS + 1);
            Path marker = tmp.resolve("fed");
            Path sock = tmp.resolve("recv.sock");
            Files.deleteIfExists(marker);
            String listen = transport.equals("tcp") ? "tcp://127.0.0.1" : "unix://" + sock;
            Sh.Result r = Sh.bash("""
                    exec 3< <(bash -c 'echo $$; exec "$@"' _ %s import %s %s %s%s 2>%s/err; echo "exit=$?")
                    read -r pid <&3
                    read -r first <&3
                    if [ "$first" = ready ]; then to=unix:%s; else read -r port <&3; to="tcp:$first:$port"; fi
                    perl %s "$to" %s %d %s & feeder=$!
                    for i in $(seq 3000); do [ -e %s ] && break; kill -0 $feeder 2>/dev/null || break; sleep 0.01; done
                    sleep 0.05
                    rss=$(awk '/^VmHWM/ {print $2}' /proc/$pid/status 2>/dev/null)
                    kill -KILL $pid 2>/dev/null; kill -KILL $feeder 2>/dev/null
                    cat <&3; wait
                    echo "rss=${rss:-0}"
                    """.formatted(world.volport, q(p.target()), p.format(), listen, p.importArgs(), q(tmp), q(sock), q(feeder), q(stream), at, q(marker), q(marker)), 120);
            tally.rss(r.out());
            assertThat(r.out()).as("the receiver was still running when killed at byte %d: %s %s", at, r,
                    Files.exists(tmp.resolve("err")) ? Files.readString(tmp.resolve("err")) : "")
                    .contains("exit=137");
            Files.deleteIfExists(sock);
            tally.check(p, expected, transport + " byte " + at);
        }
        tally.finish();
        FaultReport.add(new FaultReport.Row("receiver SIGKILL (" + transport + ")", p.name(), tally.trials,
                tally.survived, tally.cleaned, tally.lost, tally.peakRss));
        assertThat(tally.failures).as(p.name()).isEmpty();
        assertThat(tally.trials).isEqualTo(POINTS);
    }
}
