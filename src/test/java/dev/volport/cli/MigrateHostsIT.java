package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * {@code volport migrate} between two real hosts ({@link TwoHosts}: network namespaces, a veth pair, an sshd on
 * the target), each with its own storage.cfg, over every remote transport.
 */
// Runs beside the other integration tests (pom.xml: two threads); its own lock keeps its tests in one thread.
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("volport-MigrateHostsIT")
class MigrateHostsIT {
    @TempDir
    static Path tmp;
    static TwoHosts hosts;
    static int serial;

    @BeforeAll
    static void up() throws Exception {
        hosts = new TwoHosts(tmp);
    }

    @AfterAll
    static void down() throws Exception {
        if (hosts != null) {
            hosts.close();
        }
    }

    /** A new vmid per test, so tests share the two hosts without sharing volumes. */
    private static int vmid() {
        return 200 + ++serial;
    }

    private static Path src(int vmid, String file) {
        return tmp.resolve("host-a/src/images/" + vmid + "/" + file);
    }

    private static Path dst(int vmid, String file) {
        return tmp.resolve("host-b/dst/images/" + vmid + "/" + file);
    }

    /** {@code src:VMID/vm-VMID-disk-0.raw} of {@code mib} MiB, random data in its first half. */
    private static Path rawVolume(int vmid, int mib) throws Exception {
        Path file = src(vmid, "vm-" + vmid + "-disk-0.raw");
        Result r = bash(hosts.volportA() + " --quiet alloc src " + vmid + " vm-" + vmid + "-disk-0.raw " + mib
                + "M && head -c " + (mib * 512) + "K /dev/urandom | dd of=" + q(file) + " conv=notrunc status=none");
        assertThat(r.exit()).as(r.err()).isZero();
        return file;
    }

    private static String sha(Path p) throws Exception {
        return bash("sha256sum < " + q(p)).out();
    }

    private static List<String> files(Path root) throws Exception {
        if (!Files.exists(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> !Files.isDirectory(p) && !p.getFileName().toString().equals(".volport.lock"))
                    .map(p -> root.relativize(p).toString()).sorted().toList();
        } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
            if (Files.exists(root)) {
                return files(root); // an entry went away while walking (a receiver cleaning up): look again
            }
            return List.of();
        }
    }

    private static String migrate(int vmid, String file, String more) {
        return hosts.volportA() + " --quiet migrate src:" + vmid + "/" + file + " --target-storage dst"
                + " --target-host " + hosts.ipB + " " + more;
    }

    private static long sshConnections() throws Exception {
        return Files.readAllLines(tmp.resolve("sshd.log")).stream().filter(l -> l.contains("Accepted publickey"))
                .count();
    }

    private static List<String> masterDirs() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("volport-ssh-")).sorted()
                    .toList();
        }
    }

    /**
     * The planning call and the receiver share one ssh connection (a master volport starts and stops): one
     * handshake per migration instead of two; {@code VOLPORT_SSH_MASTER=off} goes back to one per command. The
     * master and its private socket directory are gone afterwards.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ssh", "tcp"})
    void aMigrationMakesOneSshConnection(String transport) throws Exception {
        List<String> dirsBefore = masterDirs();
        String more = "--transport " + transport + (transport.equals("tcp") ? " --migration-network " + hosts.net : "");
        for (boolean shared : List.of(true, false)) {
            int vmid = vmid();
            Path file = rawVolume(vmid, 4);
            long before = sshConnections();
            Result r = bash((shared ? "" : "VOLPORT_SSH_MASTER=off ") + migrate(vmid, "vm-" + vmid + "-disk-0.raw",
                    more), 120);
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(sha(dst(vmid, "vm-" + vmid + "-disk-0.raw"))).isEqualTo(sha(file));
            assertThat(sshConnections() - before).as("ssh connections, shared=" + shared).isEqualTo(shared ? 1 : 2);
        }
        assertThat(masterDirs()).isEqualTo(dirsBefore);
        assertThat(bash("pgrep -f '[C]ontrolMaster=yes.*volport-ssh-' || true").out()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ssh", "tcp", "unix"})
    void everyTransportMovesTheVolumeToTheOtherHost(String transport) throws Exception {
        int vmid = vmid();
        Path file = rawVolume(vmid, 8);
        String more = "--transport " + transport + (transport.equals("tcp") ? " --migration-network " + hosts.net : "");
        Result r = bash(migrate(vmid, "vm-" + vmid + "-disk-0.raw", more), 120);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:" + vmid + "/vm-" + vmid + "-disk-0.raw'\n");
        assertThat(sha(dst(vmid, "vm-" + vmid + "-disk-0.raw"))).isEqualTo(sha(file));
        assertThat(files(tmp.resolve("host-b/dst/images/" + vmid))).containsExactly("vm-" + vmid + "-disk-0.raw");
    }

    @Test
    void everyFormatTravelsOverSsh() throws Exception {
        int vmid = vmid();
        String a = hosts.volportA() + " --quiet ";
        Result made = bash(a + "alloc src " + vmid + " vm-" + vmid + "-disk-1.qcow2 16M && "
                + a + "alloc src " + vmid + " vm-" + vmid + "-disk-2.vmdk 16M && "
                + a + "alloc src " + vmid + " subvol-" + vmid + "-disk-3.subvol 0 && "
                + "echo hello > " + q(src(vmid, "subvol-" + vmid + "-disk-3.subvol/etc-hostname")));
        assertThat(made.exit()).as(made.err()).isZero();
        record Case(String file, String more, String format) {
        }
        List<Case> cases = List.of(
                new Case("vm-" + vmid + "-disk-1.qcow2", "--with-snapshots 1", "qcow2+size"),
                new Case("vm-" + vmid + "-disk-2.vmdk", "--with-snapshots 1", "vmdk+size"),
                new Case("subvol-" + vmid + "-disk-3.subvol", "", "tar+size"));
        for (Case c : cases) {
            Result plan = bash(migrate(vmid, c.file(), c.more() + " --dry-run"), 120);
            assertThat(plan.exit()).as(plan.err()).isZero();
            assertThat(plan.out()).contains("format " + c.format() + ": chosen");
            Result r = bash(migrate(vmid, c.file(), c.more()), 120);
            assertThat(r.exit()).as(c + r.err()).isZero();
            assertThat(r.out()).isEqualTo("successfully imported 'dst:" + vmid + "/" + c.file() + "'\n");
        }
        assertThat(sha(dst(vmid, "vm-" + vmid + "-disk-1.qcow2"))).isEqualTo(sha(src(vmid, "vm-" + vmid
                + "-disk-1.qcow2")));
        assertThat(Files.readString(dst(vmid, "subvol-" + vmid + "-disk-3.subvol/etc-hostname"))).isEqualTo("hello\n");
        // qcow2 without its snapshots travels as raw+sparse between two volport hosts (raw+size for a reference
        // peer), converted back into qcow2 on the target
        Result raw = bash(migrate(vmid, "vm-" + vmid + "-disk-1.qcow2", "--allow-rename --dry-run"), 120);
        assertThat(raw.out()).contains("format raw+sparse: chosen", "format raw+size: not chosen, the source prefers"
                + " raw+sparse");
    }

    @Test
    void anExistingTargetIsRefusedWithTheRemotesWordsOrRenamedWhenAllowed() throws Exception {
        int vmid = vmid();
        Path file = rawVolume(vmid, 2);
        String name = "vm-" + vmid + "-disk-0.raw";
        Result taken = bash(hosts.volportB() + " --quiet alloc dst " + vmid + " " + name + " 1M");
        assertThat(taken.exit()).as(taken.err()).isZero();
        Result r = bash(migrate(vmid, name, ""), 120);
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).isEmpty();
        // the remote's stderr, prefixed with its host, then one error line
        assertThat(r.errLines()).anyMatch(l -> l.startsWith("[" + hosts.ipB + "] volport: ") && l.contains(
                "already exists"));
        assertThat(r.errLines().getLast()).startsWith("volport: ").contains(hosts.ipB, "already exists");
        assertThat(Files.size(dst(vmid, name))).isEqualTo(1 << 20);

        Result renamed = bash(migrate(vmid, name, "--allow-rename"), 120);
        assertThat(renamed.exit()).as(renamed.err()).isZero();
        assertThat(renamed.out()).isEqualTo("successfully imported 'dst:" + vmid + "/vm-" + vmid + "-disk-1.raw'\n");
        assertThat(sha(dst(vmid, "vm-" + vmid + "-disk-1.raw"))).isEqualTo(sha(file));
    }

    @Test
    void aFullTargetFailsWithItsCauseAndKeepsNothing() throws Exception {
        int vmid = vmid();
        rawVolume(vmid, 8); // 4 MiB of data for a 2 MiB filesystem
        Path full = tmp.resolve("host-b/full");
        Files.createDirectories(full);
        assertThat(hosts.onB("mount -t tmpfs -o size=2M volport-test " + q(full)).exit()).isZero();
        try {
            Result r = bash(hosts.volportA() + " --quiet migrate src:" + vmid + "/vm-" + vmid + "-disk-0.raw"
                    + " --target-storage full --target-host " + hosts.ipB, 120);
            assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.errLines().getLast()).startsWith("volport: ").contains("src:" + vmid + "/", hosts.ipB,
                    "full:" + vmid + "/vm-" + vmid + "-disk-0.raw").containsIgnoringCase("no space left");
            // what host b sees on its full filesystem: its lock file and its empty guest directory at most
            assertThat(hosts.onB("find " + q(full) + " -type f ! -name .volport.lock").out()).isEmpty();
        } finally {
            hosts.onB("umount " + q(full));
        }
    }

    /**
     * The reference's insecure migration against a volport host: {@code ssh … import TARGET raw+size tcp://NET
     * -with-snapshots 0 -allow-rename 0}, the IP and port lines parsed from ssh's stdout (its stderr apart), a
     * plain connection from the other host, the export, a half-close.
     */
    @Test
    void theReferencesInsecureMigrationFromAnotherHost() throws Exception {
        int vmid = vmid();
        Path file = rawVolume(vmid, 4);
        String ssh = "ip netns exec " + hosts.nsA + " ssh -F /dev/null -i " + q(tmp.resolve("id_ed25519"))
                + " -o UserKnownHostsFile=" + q(tmp.resolve("known_hosts")) + " -e none -o BatchMode=yes root@"
                + hosts.ipB + " -- " + Shell.VOLPORT + " --config " + q(hosts.cfgB);
        String sender = "perl -MIO::Socket::IP -e '"
                + "my $s = IO::Socket::IP->new(PeerHost => $ARGV[0], PeerPort => $ARGV[1], Type => SOCK_STREAM)"
                + " or die \"failed to connect to tunnel at $ARGV[0]:$ARGV[1]\\n\"; shutdown($s, 0); binmode STDIN;"
                + " my $b; while (my $n = sysread(STDIN, $b, 1 << 20)) { print $s $b or die }; shutdown($s, 1);'";
        Result r = bash("coproc R { " + ssh + " import dst:" + vmid + "/vm-" + vmid + "-disk-0.raw raw+size tcp://"
                + hosts.net + " -with-snapshots 0 -allow-rename 0 2>" + q(tmp.resolve("remote-" + vmid + ".err"))
                + "; }\n"
                + "read -r ip <&${R[0]}; read -r port <&${R[0]}; exec 3<&${R[0]}\n"
                + "[[ $ip =~ ^[0-9.]+$ && $port =~ ^[0-9]+$ ]] || { echo \"no tunnel: '$ip' '$port'\" >&2; exit 9; }\n"
                + "echo \"$ip $port\"\n"
                + hosts.volportA() + " --quiet export src:" + vmid + "/vm-" + vmid + "-disk-0.raw raw+size -"
                + " -with-snapshots 0 | ip netns exec " + hosts.nsA + " " + sender + " \"$ip\" \"$port\"\n"
                + "cat <&3; wait $R_PID", 120);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).containsExactly(hosts.ipB + " " + r.out().lines().findFirst()
                .orElseThrow().split(" ")[1], "successfully imported 'dst:" + vmid + "/vm-" + vmid + "-disk-0.raw'");
        assertThat(r.out().lines().findFirst().orElseThrow()).matches("[0-9.]+ 600[0-4][0-9]");
        assertThat(sha(dst(vmid, "vm-" + vmid + "-disk-0.raw"))).isEqualTo(sha(file));
    }

    @Test
    void aNameWithASpaceArrivesIntact() throws Exception {
        Files.writeString(hosts.cfgA, Files.readString(hosts.cfgA) + "\tcontent images,import\n");
        Files.writeString(hosts.cfgB, Files.readString(hosts.cfgB).replaceFirst("(path [^\n]*host-b/dst)\n",
                "$1\n\tcontent images,import\n"));
        // the grammar of import names allows blanks, '=' and '+'; two blanks in a row would be one after a shell
        Path file = tmp.resolve("host-a/src/import/my  disk =x+y.raw");
        Files.createDirectories(file.getParent());
        assertThat(bash("head -c 1M /dev/urandom > " + q(file)).exit()).isZero();
        Result r = bash(hosts.volportA() + " --quiet migrate " + q("src:import/my  disk =x+y.raw")
                + " --target-storage dst --target-host " + hosts.ipB, 120);
        assertThat(r.exit()).as(r.err()).isZero();
        Path arrived = tmp.resolve("host-b/dst/import").resolve(file.getFileName().toString());
        assertThat(r.out()).isEqualTo("successfully imported 'dst:import/" + file.getFileName() + "'\n");
        assertThat(sha(arrived)).isEqualTo(sha(file));
    }

    @Test
    void theSenderKilledMidTransferLeavesNothingOnTheTarget() throws Exception {
        int vmid = vmid();
        rawVolume(vmid, 16);
        // killed once the receiver runs and data flows (polled: planning may be slow under load); ip netns exec and
        // bin/volport exec java, so $pid is the sender's JVM
        Result r = bash(migrate(vmid, "vm-" + vmid + "-disk-0.raw", "--bwlimit 1024 --format raw+size")
                + " & pid=$!\nseen=no\nfor i in $(seq 300); do for p in $(ip netns pids " + hosts.nsB + "); do"
                + " if tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q 'import dst:" + vmid + "/'; then"
                + " seen=yes; fi; done; [ $seen = yes ] && break; sleep 0.1; done;"
                + " sleep 1; kill -9 $pid; wait $pid; echo exit=$? seen=$seen", 90);
        assertThat(r.out()).contains("seen=yes").contains("exit=137");
        // the receiver sees its stream end early and removes what it staged
        for (int i = 0; i < 100 && !files(tmp.resolve("host-b/dst/images/" + vmid)).isEmpty(); i++) {
            Thread.sleep(100);
        }
        assertThat(files(tmp.resolve("host-b/dst/images/" + vmid))).isEmpty();
    }

    @Test
    void theReceiverKilledIsReportedBySender() throws Exception {
        int vmid = vmid();
        rawVolume(vmid, 16);
        // raw+size at 1 MiB/s: 16 s of transfer; the receiver is killed as soon as it runs (polled, so a slow start
        // of the planning under load cannot let the migration finish first)
        Result r = bash(migrate(vmid, "vm-" + vmid + "-disk-0.raw", "--bwlimit 1024 --format raw+size")
                + " & pid=$!\nkilled=no\nfor i in $(seq 300); do for p in $(ip netns pids " + hosts.nsB + "); do"
                + " if tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q 'import dst:" + vmid + "/'; then"
                + " sleep 1; kill -9 $p && killed=yes; fi; done; [ $killed = yes ] && break; sleep 0.1; done;"
                + " wait $pid; echo exit=$? killed=$killed", 90);
        assertThat(r.out()).contains("killed=yes").contains("exit=1");
        assertThat(r.errLines().getLast()).startsWith("volport: ").contains("src:" + vmid + "/", hosts.ipB);
    }

    @Test
    void aBandwidthLimitHoldsOverSsh() throws Exception {
        int vmid = vmid();
        rawVolume(vmid, 21); // raw+size sends all 21 MiB: 21 s at 1 MiB/s, the issue's "over 20 s"
        Result r = bash(hosts.volportA() + " --progress json migrate src:" + vmid + "/vm-" + vmid + "-disk-0.raw"
                + " --target-storage dst --target-host " + hosts.ipB + " --bwlimit 1024 --format raw+size", 120);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.errLines()).contains("using a bandwidth limit of 1048576 bytes per second for transferring"
                + " 'src:" + vmid + "/vm-" + vmid + "-disk-0.raw'");
        String last = r.errLines().stream().filter(l -> l.contains("\"done\":true")).findFirst().orElseThrow();
        Matcher m = Pattern.compile("\"bytes\":(\\d+),\"total\":(\\d+),\"seconds\":([0-9.]+)").matcher(last);
        assertThat(m.find()).as(last).isTrue();
        assertThat(Double.parseDouble(m.group(3))).as(last).isGreaterThanOrEqualTo(20);
        double rate = Long.parseLong(m.group(1)) / Double.parseDouble(m.group(3));
        assertThat(rate).isBetween(1048576 * 0.9, 1048576 * 1.1);
    }

    /**
     * The planning is one question to the target ({@code plan-import}: its storage type, the volume's name there and
     * its import formats), then the import; a target whose volport does not know {@code plan-import} (an older one)
     * gets the two questions it knows, and the migration works the same.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void planningAsksTheTargetOnceAndFallsBackForAnOlderVolport(boolean older) throws Exception {
        int vmid = vmid();
        Path file = rawVolume(vmid, 2);
        Path calls = tmp.resolve("calls-" + older);
        Path wrapper = tmp.resolve("remote-volport-" + older);
        Files.writeString(wrapper, "#!/bin/bash\necho \"$1\" >> " + q(calls) + "\n"
                + (older ? "if [ \"$1\" = plan-import ]; then echo \"volport: Unmatched argument at index 0:"
                        + " 'plan-import'\" >&2; exit 2; fi\n" : "")
                + "exec " + Shell.VOLPORT + " --config " + q(hosts.cfgB) + " \"$@\"\n");
        assertThat(wrapper.toFile().setExecutable(true)).isTrue();
        Result r = bash(migrate(vmid, "vm-" + vmid + "-disk-0.raw", "--remote-volport " + q(wrapper)), 120);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:" + vmid + "/vm-" + vmid + "-disk-0.raw'\n");
        assertThat(sha(tmp.resolve("host-b/dst/images/" + vmid + "/vm-" + vmid + "-disk-0.raw"))).isEqualTo(sha(file));
        assertThat(Files.readAllLines(calls)).containsExactlyElementsOf(older
                ? List.of("plan-import", "status", "import-formats", "import") : List.of("plan-import", "import"));
    }
}
