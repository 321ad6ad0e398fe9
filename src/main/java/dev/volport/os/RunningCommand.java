package dev.volport.os;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * A started command whose stdin and stdout the caller may stream. Stderr is drained by the runner all along into
 * a {@link StderrTail}, so a chatty tool never blocks on it.
 *
 * <p>Usage: write stdin and close it, read stdout to its end (from two threads when both are pipes, as a pipe
 * holds only 64 KiB), then {@link #await()}. On any error, {@link #close()} (or {@link #cancel()}) kills the
 * command and everything it started. An I/O error on a pipe because the command died is reported as the
 * command's own failure, with its exit code and stderr, not as a bare "Broken pipe".
 */
public interface RunningCommand extends AutoCloseable {
    List<String> argv();

    /**
     * The command's stdin, when it is {@link Command.Stdin#pipe()}; close it to send end-of-file.
     *
     * @throws IllegalStateException if stdin is not a pipe
     */
    OutputStream stdin();

    /**
     * The command's stdout, when it is {@link Command.Stdout#pipe()}; it ends when the command (and every process
     * it started that kept the pipe) has closed it.
     *
     * @throws IllegalStateException if stdout is not a pipe
     */
    InputStream stdout();

    /** {@link #stdin()} as a channel. */
    default WritableByteChannel stdinChannel() {
        return Channels.newChannel(stdin());
    }

    /** {@link #stdout()} as a channel. */
    default ReadableByteChannel stdoutChannel() {
        return Channels.newChannel(stdout());
    }

    /**
     * Waits up to {@code wait} for the command to exit and returns its exit code, or empty if it still runs (it is
     * not killed: {@link Command#timeout()} is what kills).
     *
     * @throws CommandException if the calling thread is interrupted; the command is then killed
     */
    OptionalInt waitFor(Duration wait) throws CommandException;

    /**
     * Closes stdin if the caller has not, waits for the command to exit and returns its result (stdout empty).
     *
     * @throws CommandException if it exited with a code other than 0, timed out, was cancelled, or the calling
     *     thread was interrupted (the command is then killed)
     */
    CommandResult await() throws CommandException;

    /**
     * Kills the command and the processes it started: SIGTERM, then SIGKILL to what is left after the runner's
     * grace period. Returns when they are gone (or SIGKILL was sent). Idempotent; does nothing after the exit.
     */
    void cancel();

    /** The stderr lines received so far (all of them after the exit). */
    List<String> stderrTail();

    /** Cancels the command if it still runs and closes the pipes. */
    @Override
    void close();
}
