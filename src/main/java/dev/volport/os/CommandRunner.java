package dev.volport.os;

import java.util.function.Consumer;

/**
 * Runs external tools ({@code zfs}, {@code btrfs}, {@code ssh}) from argv lists, never through a shell. Injected
 * where it is needed ({@code main} creates one {@link ProcessCommandRunner}; unit tests hand in a recording fake),
 * so that storage code builds argv lists and never starts processes itself.
 *
 * <p>Every failure is a {@link CommandException} whose one-line message names the command, what went wrong and
 * the last lines of its stderr.
 */
public interface CommandRunner {
    /**
     * Runs {@code command} to its end and returns how it ended, whatever its exit code. Its stdout, if a pipe, is
     * captured up to {@link Command#stdoutLimit()} bytes; a {@link Command.Stdin#pipe()} stdin is closed at once.
     *
     * @throws CommandException if it cannot start, runs past its timeout, prints more stdout than the limit
     *     (it is then killed), or the calling thread is interrupted (it is then killed)
     */
    CommandResult execute(Command command) throws CommandException;

    /**
     * Starts {@code command} and returns at once with a handle on its pipes, for streams: {@code zfs send} whose
     * stdout is the export, {@code zfs recv} whose stdin is the import, {@code ssh} with both. The caller must
     * close the handle (which kills the command if it still runs).
     *
     * @throws CommandException if it cannot start
     */
    RunningCommand start(Command command) throws CommandException;

    /**
     * As {@link #start(Command)}, handing each line the command writes on stderr to {@code stderrLines} as it
     * arrives (from another thread), for a remote peer whose messages the user should see while it runs. The lines
     * stay in {@link RunningCommand#stderrTail()} as well. A runner that cannot stream lines (a fake) hands none;
     * callers then fall back to the tail.
     *
     * @throws CommandException if it cannot start
     */
    default RunningCommand start(Command command, Consumer<String> stderrLines)
            throws CommandException {
        return start(command);
    }

    /**
     * Runs {@code command} to its end and returns its result if it exited with 0.
     *
     * @throws CommandException as {@link #execute}, and if the exit code is not 0
     */
    default CommandResult run(Command command) throws CommandException {
        return execute(command).check();
    }
}
