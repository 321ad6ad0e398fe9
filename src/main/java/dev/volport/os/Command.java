package dev.volport.os;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One external command to run: an argv list (never a shell string), extra environment, working directory, where
 * its stdin comes from and its stdout goes, a timeout and the most stdout {@link CommandRunner#execute} keeps in
 * memory. Immutable; the {@code with…} methods return a changed copy.
 *
 * <p>Defaults, chosen so that a tool can neither eat volport's own stdin (which may be the stream being imported)
 * nor make volport buffer without bound: stdin {@link Stdin#closed()}, stdout {@link Stdout#pipe()}, no timeout,
 * {@link #DEFAULT_STDOUT_LIMIT} bytes of captured stdout. The runner always sets {@code LC_ALL=C} so that tool
 * messages are stable; {@link #env()} is applied after it and may override it.
 *
 * @param argv the program and its arguments; the program is looked up on {@code PATH} unless it contains a slash
 * @param env variables set on top of volport's own environment
 * @param directory the working directory, else volport's
 * @param timeout how long the command may run before it is killed, counted from its start
 * @param stdoutLimit most bytes {@link CommandRunner#execute} captures before it stops the command and fails
 */
public record Command(List<String> argv, Map<String, String> env, Optional<Path> directory, Stdin stdin,
        Stdout stdout, Optional<Duration> timeout, long stdoutLimit) {

    /** 1 MiB: far more than any listing volport parses ({@code zfs list} of thousands of datasets). */
    public static final long DEFAULT_STDOUT_LIMIT = 1 << 20;

    public Command {
        argv = List.copyOf(argv);
        if (argv.isEmpty() || argv.getFirst().isEmpty()) {
            throw new IllegalArgumentException("command has no program name: " + argv);
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("argument with a NUL character in " + display(argv));
            }
        }
        env = Map.copyOf(env);
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(timeout, "timeout");
        timeout.ifPresent(t -> {
            if (t.isNegative() || t.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + t);
            }
        });
        if (stdoutLimit < 0) {
            throw new IllegalArgumentException("stdout limit must not be negative: " + stdoutLimit);
        }
    }

    /** The command {@code argv} with the defaults above. */
    public static Command of(String... argv) {
        return of(List.of(argv));
    }

    /** The command {@code argv} with the defaults above. */
    public static Command of(List<String> argv) {
        return new Command(argv, Map.of(), Optional.empty(), Stdin.closed(), Stdout.pipe(), Optional.empty(),
                DEFAULT_STDOUT_LIMIT);
    }

    /** This command with {@code name=value} added to its environment (replacing an earlier value). */
    public Command withEnv(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("bad environment variable '" + name + "'");
        }
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put(name, value);
        return new Command(argv, e, directory, stdin, stdout, timeout, stdoutLimit);
    }

    public Command withDirectory(Path dir) {
        return new Command(argv, env, Optional.of(dir), stdin, stdout, timeout, stdoutLimit);
    }

    public Command withStdin(Stdin in) {
        return new Command(argv, env, directory, in, stdout, timeout, stdoutLimit);
    }

    public Command withStdout(Stdout out) {
        return new Command(argv, env, directory, stdin, out, timeout, stdoutLimit);
    }

    public Command withTimeout(Duration t) {
        return new Command(argv, env, directory, stdin, stdout, Optional.of(t), stdoutLimit);
    }

    public Command withStdoutLimit(long bytes) {
        return new Command(argv, env, directory, stdin, stdout, timeout, bytes);
    }

    /** The argv as a shell would need it typed, for messages only: never handed to a shell. */
    public String display() {
        return display(argv);
    }

    /** The program name as given ({@code argv[0]}). */
    public String program() {
        return argv.getFirst();
    }

    /**
     * Renders {@code argv} for display, one line: plain words as they are, others in single quotes, and
     * arguments holding control characters (a newline, an escape) in {@code $'…'} with escapes, so that a
     * hostile argument cannot break the one-line error or drive the terminal.
     */
    public static String display(List<String> argv) {
        List<String> words = new ArrayList<>(argv.size());
        for (String a : argv) {
            words.add(quote(a));
        }
        return String.join(" ", words);
    }

    private static String quote(String a) {
        if (a.isEmpty()) {
            return "''";
        }
        boolean plain = true;
        boolean control = false;
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            control |= c < 0x20 || c == 0x7f;
            plain &= c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "_@%+=:,./-".indexOf(c) >= 0;
        }
        if (plain) {
            return a;
        }
        if (!control) {
            return "'" + a.replace("'", "'\\''") + "'";
        }
        StringBuilder b = new StringBuilder("$'");
        for (int i = 0; i < a.length(); i++) {
            char c = a.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        b.append(String.format("\\x%02x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('\'').toString();
    }

    /** Where the command's stdin comes from. */
    public sealed interface Stdin {
        /**
         * volport's own stdin, shared: for a command that must talk to the user's terminal, or one that reads the
         * stream volport was given on stdin itself instead of volport copying it ({@code zfs recv}).
         */
        static Stdin inherit() {
            return Inherit.INSTANCE;
        }

        /** {@code /dev/null}: the command reads end-of-file at once. */
        static Stdin closed() {
            return Closed.INSTANCE;
        }

        /** A pipe the caller writes through {@link RunningCommand#stdin()} and then closes. */
        static Stdin pipe() {
            return Pipe.INSTANCE;
        }

        /** An existing file, opened for reading only. */
        static Stdin file(Path path) {
            return new FromFile(path);
        }

        enum Inherit implements Stdin { INSTANCE }

        enum Closed implements Stdin { INSTANCE }

        enum Pipe implements Stdin { INSTANCE }

        record FromFile(Path path) implements Stdin {
            public FromFile {
                Objects.requireNonNull(path, "path");
            }
        }
    }

    /** Where the command's stdout goes. */
    public sealed interface Stdout {
        /** A pipe: captured by {@link CommandRunner#execute}, or read by the caller from {@link RunningCommand#stdout()}. */
        static Stdout pipe() {
            return Pipe.INSTANCE;
        }

        /**
         * A new file, created by the runner: the run fails without starting the command if the path already
         * exists, so nothing volport did not create is ever overwritten.
         */
        static Stdout newFile(Path path) {
            return new ToNewFile(path);
        }

        /** {@code /dev/null}. */
        static Stdout discard() {
            return Discard.INSTANCE;
        }

        /**
         * volport's own stdout: for a command whose output is the stream volport was asked to write to stdout
         * ({@code zfs send} for an export to {@code -}), so that it goes there without volport copying it.
         */
        static Stdout inherit() {
            return Inherit.INSTANCE;
        }

        enum Pipe implements Stdout { INSTANCE }

        enum Inherit implements Stdout { INSTANCE }

        enum Discard implements Stdout { INSTANCE }

        record ToNewFile(Path path) implements Stdout {
            public ToNewFile {
                Objects.requireNonNull(path, "path");
            }
        }
    }
}
