package dev.volport.migrate;

import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.CommandRunner;
import dev.volport.os.RunningCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One ssh connection for all the ssh sessions of a migration: the planning call and the receiver (OpenSSH's
 * connection sharing). A master ({@code ssh -N -o ControlMaster=yes -o ControlPath=SOCKET root@HOST}) is started
 * first; the later ssh commands get {@code -o ControlMaster=no -o ControlPath=SOCKET} and run as sessions of its
 * connection, without a handshake of their own (0.29-0.32 s each on loopback here, 0.04-0.05 s through the master).
 * Where the socket is not there (the master failed, or another ssh), ssh connects on its own, as without a master:
 * the master can only save time, never fail a migration.
 *
 * <p>Not used when the caller's ssh command chooses its own connection sharing ({@code ControlPath},
 * {@code ControlMaster} or {@code -S} in it), for the {@code unix} transport (its forwarding ssh stays a connection
 * of its own), or with {@code VOLPORT_SSH_MASTER=off}. The master is tied to volport ({@code setpriv --pdeathsig
 * KILL}: it dies with a killed volport) and stopped when the migration ends; its socket lives in a private
 * directory volport creates and removes.
 */
final class SshMaster implements AutoCloseable {
    /** How long the planning call waits for the master's connection before it connects on its own. */
    static final Duration READY_WAIT = Duration.ofSeconds(10);

    private final RemoteHost shared;
    private final RunningCommand master;
    private final Path dir;

    private SshMaster(RemoteHost shared, RunningCommand master, Path dir) {
        this.shared = shared;
        this.master = master;
        this.dir = dir;
    }

    /**
     * Starts a master for {@code host} and waits (up to {@link #READY_WAIT}) for its socket; empty when connection
     * sharing is off or the master could not start (the migration then connects per command, as before).
     */
    static Optional<SshMaster> open(CommandRunner runner, RemoteHost host) {
        if ("off".equals(System.getenv("VOLPORT_SSH_MASTER")) || ownSharing(host.ssh())) {
            return Optional.empty();
        }
        Path dir;
        try {
            dir = Files.createTempDirectory(Path.of(System.getProperty("java.io.tmpdir")), "volport-ssh-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
        Path socket = dir.resolve("m");
        if (socket.toString().length() > 100) { // sun_path holds 108 bytes, ssh adds a suffix while binding
            deleteDir(dir);
            return Optional.empty();
        }
        List<String> argv = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        argv.addAll(SshCommand.prefix(host));
        argv.addAll(List.of("-N", "-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o",
                "ControlPath=" + socket, "root@" + host.host()));
        RunningCommand master;
        try {
            master = runner.start(Command.of(argv), line -> { }); // its errors are the next ssh's to report
        } catch (CommandException e) {
            deleteDir(dir);
            return Optional.empty();
        }
        long deadline = System.nanoTime() + READY_WAIT.toNanos();
        try {
            while (!Files.exists(socket) && System.nanoTime() < deadline) {
                if (master.waitFor(Duration.ofMillis(5)).isPresent()) { // it exited: no sharing
                    master.close();
                    deleteDir(dir);
                    return Optional.empty();
                }
            }
        } catch (CommandException interrupted) {
            master.close();
            deleteDir(dir);
            return Optional.empty();
        }
        List<String> ssh = new ArrayList<>(host.ssh());
        ssh.addAll(List.of("-o", "ControlMaster=no", "-o", "ControlPath=" + socket));
        RemoteHost shared = new RemoteHost(host.host(), ssh, host.hostKeyAlias(), host.cipher(), host.volport());
        return Optional.of(new SshMaster(shared, master, dir));
    }

    /** Whether the caller's ssh words set up connection sharing of their own. */
    static boolean ownSharing(List<String> ssh) {
        for (String w : ssh) {
            String o = w.toLowerCase(java.util.Locale.ROOT);
            o = o.startsWith("-o") ? o.substring(2).strip() : o; // -oOPTION=… or -o OPTION=…
            if (w.startsWith("-S") || o.startsWith("controlpath") || o.startsWith("controlmaster")) {
                return true;
            }
        }
        return false;
    }

    /** The host as the migration's ssh commands should reach it: through the master's socket. */
    RemoteHost host() {
        return shared;
    }

    /** Stops the master (its socket goes with it) and removes the private directory. */
    @Override
    public void close() {
        master.close();
        deleteDir(dir);
    }

    private static void deleteDir(Path dir) {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a private temporary directory left behind is harmless
        }
    }
}
