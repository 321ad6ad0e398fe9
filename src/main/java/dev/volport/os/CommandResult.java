package dev.volport.os;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * How a command ended: its argv, exit code, the stdout captured by {@link CommandRunner#execute} (empty when
 * stdout was streamed, discarded or sent to a file) and the last lines it wrote on stderr (see {@link StderrTail}).
 *
 * @param exitCode the process's exit status; a process killed by a signal reports 128 plus the signal number
 * @param stderrTail the last lines of stderr, oldest first, control characters replaced by spaces
 */
public record CommandResult(List<String> argv, int exitCode, byte[] stdout, List<String> stderrTail) {
    public CommandResult {
        argv = List.copyOf(argv);
        stdout = stdout.clone();
        stderrTail = List.copyOf(stderrTail);
    }

    /** A copy of the captured stdout bytes. */
    @Override
    public byte[] stdout() {
        return stdout.clone();
    }

    /** The captured stdout decoded as UTF-8 (bytes that are not UTF-8 become U+FFFD). */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** The captured stdout split into lines, without their line ends; no trailing empty line. */
    public List<String> stdoutLines() {
        return stdoutText().lines().toList();
    }

    public boolean succeeded() {
        return exitCode == 0;
    }

    /**
     * Returns this result if the command exited with 0, else throws the error that names the command, its exit
     * code and its stderr tail.
     */
    public CommandResult check() throws CommandException {
        if (exitCode != 0) {
            throw CommandException.failed(argv, exitCode, stderrTail);
        }
        return this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CommandResult r && argv.equals(r.argv) && exitCode == r.exitCode
                && Arrays.equals(stdout, r.stdout) && stderrTail.equals(r.stderrTail);
    }

    @Override
    public int hashCode() {
        return (argv.hashCode() * 31 + exitCode) * 31 + Arrays.hashCode(stdout) + stderrTail.hashCode();
    }

    @Override
    public String toString() {
        return "CommandResult[" + Command.display(argv) + ", exit " + exitCode + ", " + stdout.length
                + " bytes of stdout, stderr " + stderrTail + "]";
    }
}
