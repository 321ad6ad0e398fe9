package dev.volport.cli;

import static dev.volport.cli.Shell.q;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two hosts on this machine for migration tests: network namespaces {@code a} (the source) and {@code b} (the
 * target) joined by a veth pair with addresses in a {@code 10.213.N.0/24} the fixture picks, an OpenSSH
 * {@code sshd} in {@code b} with a generated host key that lets only the generated client key in as root, and a
 * {@code storage.cfg} per host with storages of its own ({@code src} on a, {@code dst} on b). {@link #close()}
 * stops sshd and deletes both namespaces (and with them the veth pair), whatever happened; traffic goes only
 * between the two namespaces.
 *
 * <p>Both namespaces see the same filesystem, so each host's storages live in their own directories under the
 * test's temporary directory. Needs root, {@code ip} and {@code sshd}: a missing tool fails the test.
 */
final class TwoHosts implements AutoCloseable {
    final Path dir;
    final String nsA;
    final String nsB;
    final String ipA;
    final String ipB;
    final String net;
    final Path cfgA;
    final Path cfgB;
    final Path hostsFile;
    private Process sshd;

    TwoHosts(Path dir) throws Exception {
        this.dir = dir;
        int n = ThreadLocalRandom.current().nextInt(1, 255);
        String tag = Long.toHexString(ProcessHandle.current().pid()) + Integer.toHexString(n);
        nsA = "vp-a-" + tag;
        nsB = "vp-b-" + tag;
        net = "10.213." + n + ".0/24";
        ipA = "10.213." + n + ".1";
        ipB = "10.213." + n + ".2";
        cfgA = dir.resolve("a.cfg");
        cfgB = dir.resolve("b.cfg");
        hostsFile = dir.resolve("hosts.cfg");
        try {
            start(tag);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    private void start(String tag) throws Exception {
        String va = "vpa" + tag;
        String vb = "vpb" + tag;
        run("ip netns add " + nsA + " && ip netns add " + nsB
                + " && ip link add " + va + " type veth peer name " + vb
                + " && ip link set " + va + " netns " + nsA + " && ip link set " + vb + " netns " + nsB
                + " && ip -n " + nsA + " addr add " + ipA + "/24 dev " + va
                + " && ip -n " + nsB + " addr add " + ipB + "/24 dev " + vb
                + " && ip -n " + nsA + " link set lo up && ip -n " + nsB + " link set lo up"
                + " && ip -n " + nsA + " link set " + va + " up && ip -n " + nsB + " link set " + vb + " up");
        Path hostKey = dir.resolve("ssh_host_ed25519_key");
        Path clientKey = dir.resolve("id_ed25519");
        run("ssh-keygen -q -t ed25519 -N '' -f " + q(hostKey) + " && ssh-keygen -q -t ed25519 -N '' -f "
                + q(clientKey) + " && cp " + q(clientKey + ".pub") + " " + q(dir.resolve("authorized_keys"))
                + " && mkdir -p /run/sshd && chmod 0755 /run/sshd");
        Files.writeString(dir.resolve("sshd_config"), """
                ListenAddress %s
                Port 22
                HostKey %s
                PidFile %s
                AuthorizedKeysFile %s
                PermitRootLogin prohibit-password
                PubkeyAuthentication yes
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                """.formatted(ipB, hostKey, dir.resolve("sshd.pid"), dir.resolve("authorized_keys")));
        Path sshdLog = dir.resolve("sshd.log");
        // sshd runs each remote command through root's shell, and bash reads ~/.bashrc then. Host b is a fresh
        // hypervisor, whose root has Debian's stock file (nothing for a non-interactive shell); a development
        // machine's may cost a second per session (this one's runs `pyenv init`). So in b's own mount namespace
        // that file is a stock one; the machine's is not touched.
        Path bashrc = Path.of(System.getProperty("user.home"), ".bashrc");
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", nsB));
        if (Files.isRegularFile(bashrc)) {
            Path stock = Files.writeString(dir.resolve("bashrc"), "[ -z \"$PS1\" ] && return\n");
            argv.addAll(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                    "mount --bind \"$1\" \"$2\" && shift 2 && exec \"$@\"", "sh", stock.toString(),
                    bashrc.toString()));
        }
        argv.addAll(List.of("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("sshd_config").toString()));
        sshd = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(sshdLog.toFile()).start();
        Files.writeString(dir.resolve("known_hosts"), ipB + " " + Files.readString(Path.of(hostKey + ".pub")));
        Files.writeString(cfgA, "dir: src\n\tpath " + dir.resolve("host-a/src") + "\n");
        Files.writeString(cfgB, "dir: dst\n\tpath " + dir.resolve("host-b/dst") + "\n\ndir: full\n\tpath "
                + dir.resolve("host-b/full") + "\n");
        Files.writeString(hostsFile, "host: " + ipB + "\n\tssh ssh -F /dev/null -i " + clientKey
                + " -o UserKnownHostsFile=" + dir.resolve("known_hosts") + " -o StrictHostKeyChecking=yes\n"
                + "\tvolport " + Shell.VOLPORT + " --config " + cfgB + "\n");
        // sshd is ready when it accepts a connection
        for (int i = 0; ; i++) {
            Shell.Result r = Shell.bash("ip netns exec " + nsA + " ssh -F /dev/null -i " + q(clientKey)
                    + " -o UserKnownHostsFile=" + q(dir.resolve("known_hosts")) + " -o BatchMode=yes root@" + ipB
                    + " true", 30);
            if (r.exit() == 0) {
                break;
            }
            if (i == 50 || !sshd.isAlive()) {
                throw new AssertionError("sshd in " + nsB + " did not come up: " + r.err() + " / "
                        + Files.readString(sshdLog));
            }
            Thread.sleep(100);
        }
    }

    /** The command that runs volport on host a with its storage.cfg and the hosts file. */
    String volportA() {
        return "ip netns exec " + nsA + " env VOLPORT_HOSTS=" + q(hostsFile) + " " + Shell.VOLPORT + " --config "
                + q(cfgA);
    }

    /** The command that runs volport on host b with its storage.cfg. */
    String volportB() {
        return "ip netns exec " + nsB + " " + Shell.VOLPORT + " --config " + q(cfgB);
    }

    /**
     * Runs {@code script} in host b's mount namespace (that of its sshd, where its volport runs): a mount made
     * there is what b's storages see, whether or not mounts propagate on this machine.
     */
    Shell.Result onB(String script) throws Exception {
        return Shell.bash("nsenter -t " + sshd.pid() + " -m -- bash -c " + q(script), 60);
    }

    private static void run(String script) throws Exception {
        Shell.Result r = Shell.bash(script, 60);
        if (r.exit() != 0) {
            throw new AssertionError("setting up two hosts failed: " + script + ": " + r.err());
        }
    }

    @Override
    public void close() throws IOException {
        if (sshd != null) {
            sshd.destroy();
            try {
                if (!sshd.waitFor(5, TimeUnit.SECONDS)) {
                    sshd.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            // ends every process still in them (the sshd's sessions), then the namespaces with the veth pair
            Shell.bash("for ns in " + nsA + " " + nsB + "; do ip netns pids $ns 2>/dev/null | xargs -r kill -9;"
                    + " ip netns del $ns 2>/dev/null; done; true", 60);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
