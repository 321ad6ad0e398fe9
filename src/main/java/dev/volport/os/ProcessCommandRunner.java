package dev.volport.os;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@link CommandRunner}: starts processes with {@link ProcessBuilder} from argv lists, with
 * {@code LC_ALL=C} (then the command's own variables) on top of volport's environment. Holds no state but the
 * kill grace period, so one instance serves the whole process.
 */
public final class ProcessCommandRunner implements CommandRunner {
    /** How long a cancelled command gets between SIGTERM and SIGKILL: enough for {@code zfs recv} to clean up. */
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(5);

    /**
     * The errno in the JDK's start failure, in either spelling: {@code Cannot run program "zfs": error=2, No such
     * file or directory} (older JDKs) or {@code …: Exec failed, error: 2 (No such file or directory)}.
     */
    private static final Pattern START_ERROR = Pattern.compile("error[=:]\\s*(\\d+)(?:,\\s*|\\s*\\()([^)]*)");
    private static final int ENOENT = 2;
    private static final int EACCES = 13;

    private final Duration killGrace;

    public ProcessCommandRunner() {
        this(DEFAULT_KILL_GRACE);
    }

    /** A runner whose {@link RunningCommand#cancel()} waits {@code killGrace} after SIGTERM before SIGKILL. */
    public ProcessCommandRunner(Duration killGrace) {
        if (killGrace.isNegative()) {
            throw new IllegalArgumentException("kill grace period must not be negative: " + killGrace);
        }
        this.killGrace = killGrace;
    }

    @Override
    public CommandResult execute(Command command) throws CommandException {
        try (ProcessRunningCommand running = launch(command)) {
            byte[] out = new byte[0];
            if (command.stdin() instanceof Command.Stdin.Pipe) {
                running.closeStdinQuietly();
            }
            if (command.stdout() instanceof Command.Stdout.Pipe) {
                out = capture(running, command.stdoutLimit());
            }
            return running.finish(out);
        }
    }

    @Override
    public RunningCommand start(Command command) throws CommandException {
        return launch(command, null);
    }

    @Override
    public RunningCommand start(Command command, Consumer<String> stderrLines)
            throws CommandException {
        return launch(command, Objects.requireNonNull(stderrLines, "stderrLines"));
    }

    /** Reads the whole stdout, or fails (killing the command) past {@code limit} bytes. */
    private static byte[] capture(ProcessRunningCommand running, long limit) throws CommandException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        InputStream in = running.stdout();
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (out.size() + (long) n > limit) {
                    running.cancel();
                    throw CommandException.stdoutLimit(running.argv(), limit);
                }
                out.write(buf, 0, n);
            }
        } catch (CommandException e) {
            throw e;
        } catch (IOException e) {
            throw CommandException.stream(running.argv(), "reading from", e);
        }
        return out.toByteArray();
    }

    private ProcessRunningCommand launch(Command command) throws CommandException {
        return launch(command, null);
    }

    private ProcessRunningCommand launch(Command command, Consumer<String> stderrLines)
            throws CommandException {
        ProcessBuilder pb = new ProcessBuilder(command.argv());
        Map<String, String> env = pb.environment();
        env.put("LC_ALL", "C");
        env.putAll(command.env());
        command.directory().ifPresent(d -> pb.directory(d.toFile()));
        StdinPipe pipe = command.stdin() instanceof Command.Stdin.Pipe ? StdinPipe.open().orElse(null) : null;
        pb.redirectInput(switch (command.stdin()) {
            case Command.Stdin.Inherit i -> Redirect.INHERIT;
            case Command.Stdin.Closed c -> Redirect.from(new File("/dev/null"));
            case Command.Stdin.Pipe p -> pipe != null ? Redirect.from(pipe.readEnd()) : Redirect.PIPE;
            case Command.Stdin.FromFile f -> Redirect.from(readable(command, f.path()).toFile());
        });
        Path created = null;
        switch (command.stdout()) {
            case Command.Stdout.Pipe p -> pb.redirectOutput(Redirect.PIPE);
            case Command.Stdout.Discard d -> pb.redirectOutput(Redirect.DISCARD);
            case Command.Stdout.Inherit i -> pb.redirectOutput(Redirect.INHERIT);
            case Command.Stdout.ToNewFile f -> {
                created = createOutput(command, f.path());
                // Appending to the empty file just created: should anything swap it meanwhile, it is not truncated.
                pb.redirectOutput(Redirect.appendTo(created.toFile()));
            }
        }
        pb.redirectError(Redirect.PIPE);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            if (created != null) {
                deleteQuietly(created);
            }
            if (pipe != null) {
                closeQuietly(pipe.writer());
            }
            throw CommandException.notStarted(command.argv(), why(command, e), e);
        } finally {
            if (pipe != null) {
                pipe.closeReadEnd();
            }
        }
        return new ProcessRunningCommand(command, process, killGrace, stderrLines,
                pipe != null ? pipe.writer() : null);
    }

    private static Path readable(Command command, Path path) throws CommandException {
        if (!Files.exists(path)) {
            throw CommandException.notStarted(command.argv(), "stdin file " + path + " does not exist", null);
        }
        if (!Files.isReadable(path)) {
            throw CommandException.notStarted(command.argv(), "stdin file " + path + " is not readable", null);
        }
        return path;
    }

    private static Path createOutput(Command command, Path path) throws CommandException {
        try {
            return Files.createFile(path);
        } catch (FileAlreadyExistsException e) {
            throw CommandException.notStarted(command.argv(), "output file " + path
                    + " already exists; volport does not overwrite it", e);
        } catch (NoSuchFileException e) {
            throw CommandException.notStarted(command.argv(), "output file " + path + ": its directory does not exist",
                    e);
        } catch (IOException e) {
            throw CommandException.notStarted(command.argv(), "cannot create output file " + path + ": "
                    + Objects.requireNonNullElse(e.getMessage(), "I/O error"), e);
        }
    }

    /** A short reason from the JDK's start failure, naming the working directory when that is what is missing. */
    private static String why(Command command, IOException e) {
        String msg = Objects.requireNonNullElse(e.getMessage(), "");
        Matcher m = START_ERROR.matcher(msg);
        if (!m.find()) {
            return msg.isEmpty() ? "the process could not be created" : msg;
        }
        int errno = Integer.parseInt(m.group(1));
        if (command.directory().isPresent() && !Files.isDirectory(command.directory().get())) {
            return "working directory " + command.directory().get() + " does not exist";
        }
        return switch (errno) {
            case ENOENT -> command.program().contains("/") ? "no such file" : "not found";
            case EACCES -> "permission denied";
            default -> m.group(2).strip().toLowerCase(Locale.ROOT);
        };
    }

    private static void closeQuietly(java.nio.channels.Channel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // never written to: nothing to lose
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // The file is ours and empty; the start error is what the user needs to see.
        }
    }
}
