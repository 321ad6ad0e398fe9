package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.os.Command;
import dev.volport.os.CommandRunner;
import dev.volport.os.RunningCommand;
import java.io.BufferedReader;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The {@code unix} transport: the receiver listens on a Unix socket on its own host ({@code ready}), as the
 * reference's {@code volume_import_start} makes it, and ssh forwards a Unix socket of this host to it
 * ({@code ssh -N -L LOCAL:REMOTE}). The local socket lives in a private directory volport creates and removes.
 */
final class UnixForward {
    private static final Duration FORWARD_WAIT = Duration.ofSeconds(15);

    private final CommandRunner runner;
    private final Consumer<String> log;

    UnixForward(CommandRunner runner, Consumer<String> log) {
        this.runner = runner;
        this.log = log;
    }

    List<String> send(MigrationPlan plan, RemoteHost host, StreamSession session) throws IOException {
        String token = Long.toHexString(ThreadLocalRandom.current().nextLong());
        String remote = "/tmp/volport-migrate-" + token + ".sock";
        Path dir = Files.createTempDirectory("volport-migrate-");
        Path local = dir.resolve("stream.sock");
        RemoteStderr stderr = new RemoteStderr(host, log);
        try (RunningCommand rc = runner.start(SshCommand.command(host,
                RemoteSender.receiverWords(plan, "unix://" + remote)), stderr)) {
            BufferedReader out = RemoteSender.reader(rc);
            RemoteSender.readiness(out, rc, host, "readiness", Pattern.compile("ready"));
            try (RunningCommand forward = runner.start(Command.of(SshCommand.forwardArgv(host, local, remote)))) {
                try (SocketChannel sock = connect(local, forward, rc, host)) {
                    return session.run(rc, sock, sock::shutdownOutput, () -> {
                        closeQuietly(sock);
                        rc.cancel();
                    }, out, stderr);
                }
            }
        } finally {
            Files.deleteIfExists(local);
            Files.deleteIfExists(dir);
        }
    }

    /** Connects to the forwarded socket once ssh has made it; fails when ssh gives up first. */
    private static SocketChannel connect(Path local, RunningCommand forward, RunningCommand rc, RemoteHost host)
            throws IOException {
        long deadline = System.nanoTime() + FORWARD_WAIT.toNanos();
        IOException last = null;
        while (System.nanoTime() < deadline) {
            if (forward.waitFor(Duration.ZERO).isPresent()) {
                rc.cancel();
                String why = StreamSession.logStderr(forward, host, s -> { });
                throw new VolportException("cannot forward a socket to host " + host.host() + ": "
                        + (why.isEmpty() ? "ssh exited" : why));
            }
            if (Files.exists(local)) {
                try {
                    SocketChannel s = SocketChannel.open(StandardProtocolFamily.UNIX);
                    try {
                        s.connect(UnixDomainSocketAddress.of(local));
                        return s;
                    } catch (IOException e) {
                        s.close();
                        last = e;
                    }
                } catch (IOException e) {
                    last = e;
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        rc.cancel();
        throw new VolportException("cannot forward a socket to host " + host.host() + ": no socket after "
                + FORWARD_WAIT.toSeconds() + " s" + (last == null ? "" : " (" + Messages.reason(last) + ")"));
    }

    private static void closeQuietly(SocketChannel s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }
}
