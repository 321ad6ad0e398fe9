package dev.volport.os;

import dev.volport.VolportException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * An external command failed: it could not start, exited with a non-zero code, ran past its timeout, was
 * cancelled, printed more stdout than allowed, or its stdin/stdout pipe broke. The message is one line naming
 * the command (shell-quoted for display), what went wrong and the tail of its stderr, joined with {@code " | "}:
 * <pre>'zfs recv -F -- tank/vm-100-disk-0' failed with exit code 1: cannot receive: destination exists</pre>
 * The parts stay available to callers that act on them, for example a storage that tells "dataset does not
 * exist" from other failures by {@link #stderrTail()}.
 */
public final class CommandException extends VolportException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** The program could not be started (not found, not executable, bad working directory or redirect). */
        NOT_STARTED,
        /** The command exited with a code other than 0. */
        FAILED,
        /** The command ran past its timeout and was killed. */
        TIMED_OUT,
        /** The caller cancelled the command (or was interrupted while waiting for it) and it was killed. */
        CANCELLED,
        /** The command printed more stdout than {@link Command#stdoutLimit()} and was killed. */
        STDOUT_LIMIT,
        /** Writing its stdin or reading its stdout failed while the command itself did not report a failure. */
        STREAM
    }

    private final List<String> argv;
    private final Reason reason;
    private final int exitCode;
    private final List<String> stderrTail;

    private CommandException(List<String> argv, Reason reason, int exitCode, List<String> stderrTail, String message,
            Throwable cause) {
        super(message, cause);
        this.argv = List.copyOf(argv);
        this.reason = reason;
        this.exitCode = exitCode;
        this.stderrTail = List.copyOf(stderrTail);
    }

    /** The command exited with {@code exitCode} (not 0). */
    public static CommandException failed(List<String> argv, int exitCode, List<String> stderrTail) {
        String msg = quoted(argv) + " failed with exit code " + exitCode
                + (stderrTail.isEmpty() ? " (nothing on stderr)" : tail(stderrTail));
        return new CommandException(argv, Reason.FAILED, exitCode, stderrTail, msg, null);
    }

    /** The command ran longer than {@code timeout} and was killed. */
    public static CommandException timedOut(List<String> argv, Duration timeout, List<String> stderrTail) {
        String msg = quoted(argv) + " timed out after " + human(timeout) + " and was killed" + tail(stderrTail);
        return new CommandException(argv, Reason.TIMED_OUT, -1, stderrTail, msg, null);
    }

    /** The command was cancelled by volport and killed. */
    public static CommandException cancelled(List<String> argv, List<String> stderrTail) {
        String msg = quoted(argv) + " was cancelled and killed" + tail(stderrTail);
        return new CommandException(argv, Reason.CANCELLED, -1, stderrTail, msg, null);
    }

    /** The command printed more than {@code limit} bytes on stdout and was killed. */
    public static CommandException stdoutLimit(List<String> argv, long limit) {
        String msg = quoted(argv) + " printed more than " + limit + " bytes on stdout, more than volport reads from"
                + " it; stopped it";
        return new CommandException(argv, Reason.STDOUT_LIMIT, -1, List.of(), msg, null);
    }

    /** The program could not be started; {@code why} is short, like {@code "not found"}. */
    public static CommandException notStarted(List<String> argv, String why, Throwable cause) {
        String msg = "cannot run " + quoted(List.of(argv.getFirst())) + ": " + why;
        return new CommandException(argv, Reason.NOT_STARTED, -1, List.of(), msg, cause);
    }

    /** {@code doing} (like {@code "writing to"}) the command's pipe failed, and the command reported nothing. */
    public static CommandException stream(List<String> argv, String doing, Throwable cause) {
        String why = cause.getMessage() == null ? "the pipe closed" : cause.getMessage();
        String msg = doing + " " + quoted(argv) + ": " + why;
        return new CommandException(argv, Reason.STREAM, -1, List.of(), msg, cause);
    }

    public List<String> argv() {
        return argv;
    }

    public Reason reason() {
        return reason;
    }

    /** The exit code when {@link #reason()} is {@link Reason#FAILED}; empty otherwise. */
    public OptionalInt exitCode() {
        return reason == Reason.FAILED ? OptionalInt.of(exitCode) : OptionalInt.empty();
    }

    /** The last lines the command wrote on stderr, oldest first; empty if it wrote none or never ran. */
    public List<String> stderrTail() {
        return stderrTail;
    }

    private static String quoted(List<String> argv) {
        return "'" + Command.display(argv) + "'";
    }

    private static String tail(List<String> lines) {
        return lines.isEmpty() ? "" : ": " + String.join(" | ", lines);
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 60_000 == 0 && ms >= 60_000) {
            return ms / 60_000 + " min";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
