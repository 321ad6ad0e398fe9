package dev.volport.os;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A {@link CommandRunner} for unit tests of code that builds argv lists (storages, migration): it records every
 * command it is given, answers from a table of canned results keyed by the exact argv, and fails the test with an
 * {@link AssertionError} on an argv it was not told about. Started commands stream the canned stdout and keep
 * what the caller writes on their stdin. Errors are the real runner's {@link CommandException}s, so messages
 * can be asserted as users would see them. Thread-safe.
 *
 * <pre>{@code
 * var runner = new RecordingCommandRunner()
 *         .answer(List.of("zfs", "list", "-H", "-o", "name"), Answer.ok("tank/vm-100-disk-0\n"))
 *         .answer(List.of("zfs", "destroy", "--", "tank/x"), Answer.fail(1, "cannot open 'tank/x': dataset does not exist"));
 * ... code under test ...
 * assertThat(runner.calls()).containsExactly(...);
 * }</pre>
 */
public final class RecordingCommandRunner implements CommandRunner {
    /**
     * A canned outcome. {@code notFound} makes the command fail to start, as a missing program does.
     *
     * @param stdout what the command prints (captured by {@code execute}, streamed by {@code start})
     * @param stderr what it prints on stderr, reduced to its tail as the real runner does
     */
    public record Answer(int exitCode, byte[] stdout, String stderr, boolean notFound) {
        public Answer {
            stdout = stdout.clone();
        }

        public static Answer ok(String stdout) {
            return new Answer(0, stdout.getBytes(StandardCharsets.UTF_8), "", false);
        }

        public static Answer ok(byte[] stdout) {
            return new Answer(0, stdout, "", false);
        }

        public static Answer fail(int exitCode, String stderr) {
            return new Answer(exitCode, new byte[0], stderr, false);
        }

        public static Answer missingProgram() {
            return new Answer(127, new byte[0], "", true);
        }
    }

    private final Map<List<String>, Answer> answers = new LinkedHashMap<>();
    private final List<Command> commands = new ArrayList<>();
    private final Map<List<String>, ByteArrayOutputStream> stdins = new LinkedHashMap<>();

    /** Answers {@code argv} with {@code answer}, every time it is run (a later call for the same argv replaces it). */
    public synchronized RecordingCommandRunner answer(List<String> argv, Answer answer) {
        answers.put(List.copyOf(argv), answer);
        return this;
    }

    /** The argv of every command run or started, in order. */
    public synchronized List<List<String>> calls() {
        return commands.stream().map(Command::argv).toList();
    }

    /** Every command run or started, with its environment, redirects and limits, in order. */
    public synchronized List<Command> commands() {
        return List.copyOf(commands);
    }

    /** What the caller wrote on the stdin of the last started command with {@code argv}. */
    public synchronized byte[] stdinOf(List<String> argv) {
        ByteArrayOutputStream b = stdins.get(argv);
        if (b == null) {
            throw new AssertionError("no command '" + Command.display(argv) + "' was started with a stdin pipe");
        }
        return b.toByteArray();
    }

    @Override
    public CommandResult execute(Command command) throws CommandException {
        Answer a = lookUp(command);
        byte[] out = a.stdout();
        switch (command.stdout()) {
            case Command.Stdout.Pipe p -> {
                if (out.length > command.stdoutLimit()) {
                    throw CommandException.stdoutLimit(command.argv(), command.stdoutLimit());
                }
            }
            case Command.Stdout.Discard d -> out = new byte[0];
            case Command.Stdout.Inherit i -> out = new byte[0];
            case Command.Stdout.ToNewFile f -> {
                writeNew(command, f, out);
                out = new byte[0];
            }
        }
        return new CommandResult(command.argv(), a.exitCode(), out, StderrTail.of(a.stderr()));
    }

    @Override
    public RunningCommand start(Command command) throws CommandException {
        Answer a = lookUp(command);
        ByteArrayOutputStream in = null;
        if (command.stdin() instanceof Command.Stdin.Pipe) {
            in = new ByteArrayOutputStream();
            synchronized (this) {
                stdins.put(command.argv(), in);
            }
        }
        if (command.stdout() instanceof Command.Stdout.ToNewFile f) {
            writeNew(command, f, a.stdout());
        }
        return new Fake(command, a, in);
    }

    private synchronized Answer lookUp(Command command) throws CommandException {
        commands.add(command);
        Answer a = answers.get(command.argv());
        if (a == null) {
            throw new AssertionError("unexpected command '" + command.display() + "'; expected one of: "
                    + answers.keySet().stream().map(Command::display).toList());
        }
        if (a.notFound()) {
            throw CommandException.notStarted(command.argv(), "not found", null);
        }
        return a;
    }

    private static void writeNew(Command command, Command.Stdout.ToNewFile f, byte[] out) throws CommandException {
        try {
            Files.write(f.path(), out, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw CommandException.notStarted(command.argv(), "output file " + f.path()
                    + " already exists; volport does not overwrite it", e);
        } catch (IOException e) {
            throw CommandException.notStarted(command.argv(), "cannot create output file " + f.path(), e);
        }
    }

    /** A started fake: ends as soon as it is awaited, with the canned exit code. */
    private static final class Fake implements RunningCommand {
        private final Command command;
        private final Answer answer;
        private final ByteArrayOutputStream stdin;
        private final InputStream stdout;
        private volatile boolean cancelled;

        Fake(Command command, Answer answer, ByteArrayOutputStream stdin) {
            this.command = command;
            this.answer = answer;
            this.stdin = stdin;
            this.stdout = new ByteArrayInputStream(answer.stdout());
        }

        @Override
        public List<String> argv() {
            return command.argv();
        }

        @Override
        public OutputStream stdin() {
            if (stdin == null) {
                throw new IllegalStateException("stdin of '" + command.display() + "' is not a pipe");
            }
            return new OutputStream() {
                @Override
                public void write(int b) {
                    synchronized (stdin) {
                        stdin.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (stdin) {
                        stdin.write(b, off, len);
                    }
                }
            };
        }

        @Override
        public InputStream stdout() {
            if (!(command.stdout() instanceof Command.Stdout.Pipe)) {
                throw new IllegalStateException("stdout of '" + command.display() + "' is not a pipe");
            }
            return stdout;
        }

        @Override
        public OptionalInt waitFor(Duration wait) {
            return OptionalInt.of(answer.exitCode());
        }

        @Override
        public CommandResult await() throws CommandException {
            List<String> tail = StderrTail.of(answer.stderr());
            if (cancelled) {
                throw CommandException.cancelled(command.argv(), tail);
            }
            return new CommandResult(command.argv(), answer.exitCode(), new byte[0], tail).check();
        }

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public List<String> stderrTail() {
            return StderrTail.of(answer.stderr());
        }

        @Override
        public void close() {
            // Nothing runs.
        }
    }
}
