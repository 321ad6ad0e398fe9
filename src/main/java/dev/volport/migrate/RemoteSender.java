package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.RateLimiter;
import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.CommandRunner;
import dev.volport.os.RunningCommand;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sender of a migration to another host: starts the receiver there over ssh with the reference's argv
 * ({@code import TARGET FMT FN -with-snapshots 0|1 [-snapshot S] [-delete-snapshot S] -allow-rename 0|1 [-base B]}),
 * sends the export into it and takes the new volume id from its {@code successfully imported 'ID'} line (its
 * absence is the reference's {@code unable to get ID of the migrated volume}).
 *
 * <ul>
 * <li>{@code ssh}: the stream is ssh's stdin ({@code FN} is {@code -}).</li>
 * <li>{@code tcp}: the receiver gets {@code tcp://NETWORK}, prints its address and port (checked as the reference
 *     checks them: {@code no tunnel IP received, got '…'}), the stream goes over a plain TCP connection and ends
 *     with a half-close.</li>
 * <li>{@code unix}: the receiver listens on a Unix socket on its host, a second ssh forwards a local socket to it
 *     ({@code -L}), and the stream goes through that, ending with a half-close.</li>
 * </ul>
 *
 * The receiver's stdout and stderr are read apart: only stdout is parsed; its stderr lines go to the log prefixed
 * with {@code [HOST]}. A failure on either side stops the other ({@link StreamSession}): an export that fails on
 * its own kills the receiver's connection before the stream ends, so the receiver never sees a clean end.
 */
final class RemoteSender {
    private static final Pattern IMPORTED = Pattern.compile("successfully imported '([^']*)'$");
    private static final Pattern IP = Pattern.compile("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*");

    private final CommandRunner runner;
    private final Consumer<String> log;

    RemoteSender(CommandRunner runner, Consumer<String> log) {
        this.runner = runner;
        this.log = log;
    }

    /** The receiver's words after its volport command, exactly the reference's, then {@code --quiet}. */
    static List<String> receiverWords(MigrationPlan plan, String fn) {
        TransferOptions o = plan.options();
        List<String> w = new ArrayList<>(List.of("import", plan.to().toString(), plan.format().orElseThrow().wireName(),
                fn, "-with-snapshots", o.withSnapshots() ? "1" : "0"));
        o.snapshot().ifPresent(s -> w.addAll(List.of("-snapshot", s.value())));
        plan.migrationSnapshot().ifPresent(s -> w.addAll(List.of("-delete-snapshot", s.value())));
        w.addAll(List.of("-allow-rename", o.allowRename() ? "1" : "0"));
        o.base().ifPresent(b -> w.addAll(List.of("-base", b.value())));
        w.add("--quiet"); // the receiver's progress stays off: the sender shows it
        return w;
    }

    MigrationResult send(MigrationPlan plan, RemoteHost host, Storage source, VolumeName name,
            Optional<String> network, Progress progress) throws IOException {
        long t0 = System.nanoTime();
        StreamFormat format = plan.format().orElseThrow();
        String label = "migrate " + plan.from() + " to " + plan.target();
        RateLimiter limiter = RateLimiter.of(plan.limit().bytesPerSecond());
        StreamSession session = new StreamSession(plan, source, name, format, limiter, progress, label);
        List<String> stdout;
        switch (plan.transport()) {
            case SSH -> {
                Command cmd = SshCommand.command(host, receiverWords(plan, "-")).withStdin(Command.Stdin.pipe());
                RemoteStderr stderr = new RemoteStderr(host, log);
                try (RunningCommand rc = runner.start(cmd, stderr)) {
                    stdout = session.run(rc, rc.stdinChannel(), () -> rc.stdin().close(), rc::cancel,
                            reader(rc), stderr);
                }
            }
            case TCP -> {
                String net = network.orElse(address(host.host()));
                RemoteStderr stderr = new RemoteStderr(host, log);
                try (RunningCommand rc = runner.start(SshCommand.command(host, receiverWords(plan, "tcp://" + net)),
                        stderr)) {
                    BufferedReader out = reader(rc);
                    String ip = readiness(out, rc, host, "IP", IP);
                    String port = readiness(out, rc, host, "port", Pattern.compile("\\d{1,5}"));
                    SocketChannel sock = connect(ip, Integer.parseInt(port), rc);
                    try (sock) {
                        sock.shutdownInput();
                        stdout = session.run(rc, sock, sock::shutdownOutput, () -> abort(sock, rc), out, stderr);
                    }
                }
            }
            case UNIX -> {
                stdout = new UnixForward(runner, log).send(plan, host, session);
            }
            default -> throw new IllegalStateException("not a remote transport: " + plan.transport());
        }
        return new MigrationResult(imported(stdout, plan), plan, session.bytes(),
                Duration.ofNanos(System.nanoTime() - t0));
    }

    static BufferedReader reader(RunningCommand rc) {
        return new BufferedReader(new InputStreamReader(rc.stdout(), StandardCharsets.UTF_8));
    }

    /** The new volume id from the receiver's success line. */
    static VolumeId imported(List<String> stdout, MigrationPlan plan) throws VolportException {
        for (String line : stdout) {
            Matcher m = IMPORTED.matcher(line);
            if (m.find()) {
                return VolumeId.parse(m.group(1));
            }
        }
        throw new VolportException("migration of " + plan.from() + " to " + plan.target()
                + ": unable to get ID of the migrated volume");
    }

    /** One readiness line of the receiver, checked; a missing or wrong line fails with the reference's words. */
    static String readiness(BufferedReader out, RunningCommand rc, RemoteHost host, String what, Pattern p)
            throws IOException {
        String line = out.readLine();
        if (line != null && p.matcher(line).matches()) {
            return line;
        }
        rc.cancel();
        String remote = StreamSession.logStderr(rc, host, s -> { });
        throw new VolportException("no tunnel " + what + " received, got '" + (line == null ? "" : line) + "'"
                + (remote.isEmpty() ? "" : " (host " + host.host() + ": " + remote + ")"));
    }

    private static SocketChannel connect(String ip, int port, RunningCommand rc) throws IOException {
        try {
            return SocketChannel.open(new InetSocketAddress(InetAddress.getByName(ip), port));
        } catch (IOException e) {
            rc.cancel();
            throw new VolportException("failed to connect to tunnel at " + ip + ":" + port + ": "
                    + Messages.reason(e), e);
        }
    }

    /** Ends the connection with a reset, so the receiver reads an error rather than a clean end. */
    static void abort(SocketChannel sock, RunningCommand rc) {
        try {
            sock.setOption(StandardSocketOptions.SO_LINGER, 0);
            sock.close();
        } catch (IOException ignored) {
            // closing is all that is left to do
        }
        rc.cancel();
    }

    /** The address of {@code host} as this host resolves it: where the receiver is to listen. */
    private static String address(String host) throws VolportException {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            throw new VolportException("cannot resolve host '" + host + "'");
        }
    }

    /** Why a receiver failed, in its own last words. */
    static String why(CommandException e) {
        return RemoteQueries.why(e);
    }
}
