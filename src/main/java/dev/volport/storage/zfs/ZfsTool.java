package dev.volport.storage.zfs;

import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.CommandResult;
import dev.volport.os.CommandRunner;
import dev.volport.storage.StorageException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code zfs} commands of one pool run through the storage's {@link CommandRunner}: argv from
 * {@link ZfsCommands}, failures turned into one-line {@link StorageException}s that say what volport was doing, and
 * the {@link ZfsCommands.Features} probed once per direction, on first use (one short command each), then kept.
 */
final class ZfsTool {
    private final CommandRunner runner;
    private final ZfsCommands commands;
    private volatile ZfsCommands.Features send;
    private volatile ZfsCommands.Features receive;

    ZfsTool(CommandRunner runner, ZfsCommands commands) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.commands = Objects.requireNonNull(commands, "commands");
    }

    ZfsCommands commands() {
        return commands;
    }

    CommandRunner runner() {
        return runner;
    }

    /**
     * What the installed {@code zfs send} supports ({@code -v}, {@code -U}); probed on the first call with one short
     * command. An export needs only this half, an import only {@link #receiveFeatures()}: each side of a transfer
     * starts one probe, not two.
     */
    ZfsCommands.Features sendFeatures() throws StorageException {
        ZfsCommands.Features f = send;
        if (f == null) {
            CommandResult r = execute(ZfsCommands.probeSend(), "probing the installed zfs");
            f = ZfsCommands.Features.fromUsage(r.stderrTail(), List.of());
            send = f;
        }
        return f;
    }

    /** What the installed {@code zfs receive} supports ({@code -x}); probed on the first call. */
    ZfsCommands.Features receiveFeatures() throws StorageException {
        ZfsCommands.Features f = receive;
        if (f == null) {
            CommandResult r = execute(ZfsCommands.probeReceive(), "probing the installed zfs");
            f = ZfsCommands.Features.fromUsage(List.of(), r.stderrTail());
            receive = f;
        }
        return f;
    }

    /** Where {@link ZfsCommands#tiedToCaller} finds {@code setpriv}. */
    private static final java.nio.file.Path SETPRIV = java.nio.file.Path.of("/usr/bin/setpriv");

    /**
     * Whether a zfs command may be handed volport's own stdin or stdout: only where {@code setpriv} can tie it to
     * volport's life ({@link ZfsCommands#tiedToCaller}); elsewhere the stream is copied through volport.
     */
    boolean canHandOverStdio() {
        return java.nio.file.Files.isExecutable(SETPRIV);
    }

    /**
     * Runs {@code argv} to its end, whatever its exit code.
     *
     * @throws StorageException {@code DOING: WHY} when zfs cannot be started or does not end
     */
    CommandResult execute(List<String> argv, String doing) throws StorageException {
        try {
            return runner.execute(Command.of(argv));
        } catch (CommandException e) {
            throw new StorageException(doing + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code argv} and returns its result if it exited with 0.
     *
     * @throws StorageException {@code DOING: 'zfs …' failed with exit code N: STDERR}
     */
    CommandResult run(List<String> argv, String doing) throws StorageException {
        try {
            return runner.run(Command.of(argv));
        } catch (CommandException e) {
            throw new StorageException(doing + ": " + e.getMessage(), e);
        }
    }

    /**
     * As {@link #run}, but retried for up to 30 s while zfs answers "dataset is busy": zfs-fuse keeps a dataset
     * busy for seconds after a receive or a rollback, and OpenZFS does so briefly while a mount goes away.
     */
    CommandResult runBusy(List<String> argv, String doing) throws StorageException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long pause = 50;
        while (true) {
            CommandResult r = execute(argv, doing);
            boolean busy = !r.succeeded() && r.stderrTail().stream().anyMatch(l -> l.endsWith("is busy"));
            if (!busy || System.nanoTime() > deadline) {
                try {
                    return r.check();
                } catch (CommandException e) {
                    throw new StorageException(doing + ": " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StorageException(doing + ": interrupted while zfs reported the dataset busy");
            }
            pause = Math.min(pause * 2, 1000);
        }
    }

    /** Whether {@code POOL/NAME[@SNAP]} exists, by the reference's {@code zfs get -H name}. */
    boolean exists(String name, Optional<String> snapshot) throws StorageException {
        String doing = "checking whether '" + commands.dataset(name) + snapshot.map(s -> "@" + s).orElse("")
                + "' exists";
        CommandResult r = execute(commands.exists(name, snapshot), doing);
        if (r.succeeded()) {
            return true;
        }
        if (r.stderrTail().stream().anyMatch(l -> l.contains("does not exist"))) {
            return false;
        }
        try {
            r.check();
        } catch (CommandException e) {
            throw new StorageException(doing + ": " + e.getMessage(), e);
        }
        return false;
    }

    /**
     * {@link ZfsCommands#state}: property maps ({@code type}, {@code mounted}) by full name ({@code POOL/NAME},
     * {@code POOL/NAME@SNAP}) for dataset {@code name} and its snapshots.
     */
    java.util.Map<String, java.util.Map<String, String>> state(String name) throws StorageException {
        CommandResult r = run(commands.state(name), "reading the state of '" + commands.dataset(name) + "'");
        java.util.Map<String, java.util.Map<String, String>> out = new java.util.LinkedHashMap<>();
        for (String line : r.stdoutLines()) {
            String[] f = line.split("\t", 3);
            if (f.length == 3) {
                out.computeIfAbsent(f[0], k -> new java.util.HashMap<>()).put(f[1], f[2]);
            }
        }
        return out;
    }

    /** One property of one dataset as zfs prints it with {@code -p}. */
    String get(String name, String property) throws StorageException {
        CommandResult r = run(commands.get(name, property), "reading property '" + property + "' of '"
                + commands.dataset(name) + "'");
        List<String> lines = r.stdoutLines();
        if (lines.size() != 1) {
            throw new StorageException("reading property '" + property + "' of '" + commands.dataset(name)
                    + "': zfs printed " + lines.size() + " lines instead of one");
        }
        return lines.get(0);
    }
}
