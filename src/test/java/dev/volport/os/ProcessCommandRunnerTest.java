package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.os.CommandException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real runner on real processes, run to completion: exit codes, stderr tails, the stdout cap, timeouts,
 * start failures, environment, working directory and redirects. {@code sh -c} makes test children only.
 */
class ProcessCommandRunnerTest {
    private final ProcessCommandRunner runner = new ProcessCommandRunner(Duration.ofMillis(500));

    @TempDir
    Path tmp;

    private static Command sh(String script) {
        return Command.of("sh", "-c", script);
    }

    @Test
    void aFailureNamesTheCommandItsExitCodeAndStderr() throws Exception {
        Command c = sh("echo 'first problem' >&2; echo 'cannot receive: destination exists' >&2; exit 3");
        CommandResult r = runner.execute(c);
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stderrTail()).containsExactly("first problem", "cannot receive: destination exists");
        assertThatThrownBy(() -> runner.run(c)).isInstanceOfSatisfying(CommandException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.FAILED);
            assertThat(e.exitCode()).hasValue(3);
        }).hasMessage("'sh -c 'echo '\\''first problem'\\'' >&2; echo '\\''cannot receive: destination exists'\\'' "
                + ">&2; exit 3'' failed with exit code 3: first problem | cannot receive: destination exists");
        assertThatThrownBy(() -> runner.run(Command.of("false")))
                .hasMessage("'false' failed with exit code 1 (nothing on stderr)");
    }

    @Test
    void stderrTailKeepsTheLastLines() throws Exception {
        CommandResult r = runner.execute(sh("for i in $(seq 1 100); do echo \"line $i\" >&2; done; exit 1"));
        assertThat(r.stderrTail()).containsExactlyElementsOf(
                IntStream.rangeClosed(81, 100).mapToObj(i -> "line " + i).toList());
    }

    @Test
    void stdoutIsCapturedAndArgumentsReachTheProgramVerbatim() throws Exception {
        String hostile = "$(touch " + tmp.resolve("pwned") + "); `id` * 'q' \"d\"\nnext";
        CommandResult r = runner.run(Command.of("printf", "%s|%s", hostile, ""));
        assertThat(r.stdoutText()).isEqualTo(hostile + "|");
        assertThat(tmp.resolve("pwned")).doesNotExist();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stderrTail()).isEmpty();
    }

    @Test
    void environmentIsLcAllCPlusOverridesAndTheDirectoryIsHonoured() throws Exception {
        Command c = sh("printf '%s %s\\n' \"$LC_ALL\" \"$VOLPORT_TEST\"; pwd").withEnv("VOLPORT_TEST", "x y")
                .withDirectory(tmp);
        assertThat(runner.run(c).stdoutLines()).containsExactly("C x y", tmp.toRealPath().toString());
        assertThat(runner.run(c.withEnv("LC_ALL", "C.UTF-8")).stdoutLines().getFirst()).isEqualTo("C.UTF-8 x y");
    }

    @Test
    void stdoutBeyondTheLimitIsRefusedAndTheCommandStopped() throws Exception {
        Command exact = Command.of("head", "-c", "1048576", "/dev/zero");
        assertThat(runner.run(exact).stdout()).hasSize(1 << 20);
        assertThatThrownBy(() -> runner.run(exact.withStdoutLimit((1 << 20) - 1)))
                .isInstanceOfSatisfying(CommandException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.STDOUT_LIMIT))
                .hasMessage("'head -c 1048576 /dev/zero' printed more than 1048575 bytes on stdout, more than "
                        + "volport reads from it; stopped it");
        long start = System.nanoTime();
        assertThatThrownBy(() -> runner.run(Command.of("yes").withStdoutLimit(4096)))
                .hasMessageStartingWith("'yes' printed more than 4096 bytes");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void aCommandPastItsTimeoutIsKilledAndTheErrorSaysSo() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> runner.run(sh("echo started >&2; exec sleep 1000")
                .withTimeout(Duration.ofMillis(1000))))
                .isInstanceOfSatisfying(CommandException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT))
                .hasMessage("'sh -c 'echo started >&2; exec sleep 1000'' timed out after 1 s and was killed: started");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isBetween(Duration.ofMillis(1000), Duration.ofSeconds(6));
    }

    @Test
    void aMissingProgramOrDirectoryIsNamed() {
        assertThatThrownBy(() -> runner.run(Command.of("volport-no-such-tool", "send")))
                .isInstanceOfSatisfying(CommandException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NOT_STARTED))
                .hasMessage("cannot run 'volport-no-such-tool': not found");
        assertThatThrownBy(() -> runner.run(Command.of(tmp.resolve("nope").toString())))
                .hasMessage("cannot run '" + tmp.resolve("nope") + "': no such file");
        assertThatThrownBy(() -> runner.run(Command.of("true").withDirectory(tmp.resolve("gone"))))
                .hasMessage("cannot run 'true': working directory " + tmp.resolve("gone") + " does not exist");
    }

    @Test
    void aFileThatIsNotExecutableIsRefused() throws Exception {
        Path script = Files.writeString(tmp.resolve("script"), "#!/bin/sh\necho hi\n");
        assertThatThrownBy(() -> runner.run(Command.of(script.toString())))
                .hasMessage("cannot run '" + script + "': permission denied");
    }

    @Test
    void stdinIsClosedByDefaultOrReadFromAFile() throws Exception {
        assertThat(runner.run(Command.of("cat").withTimeout(Duration.ofSeconds(20))).stdout()).isEmpty();
        Path in = Files.writeString(tmp.resolve("in"), "from a file\n");
        assertThat(runner.run(Command.of("cat").withStdin(Command.Stdin.file(in))).stdoutText())
                .isEqualTo("from a file\n");
        assertThatThrownBy(() -> runner.run(Command.of("cat").withStdin(Command.Stdin.file(tmp.resolve("no")))))
                .hasMessage("cannot run 'cat': stdin file " + tmp.resolve("no") + " does not exist");
    }

    @Test
    void stdoutGoesToANewFileNeverOverAnExistingOne() throws Exception {
        Path out = tmp.resolve("out");
        CommandResult r = runner.run(Command.of("echo", "to the file").withStdout(Command.Stdout.newFile(out)));
        assertThat(r.stdout()).isEmpty();
        assertThat(Files.readString(out)).isEqualTo("to the file\n");
        assertThatThrownBy(() -> runner.run(Command.of("echo", "again").withStdout(Command.Stdout.newFile(out))))
                .hasMessage("cannot run 'echo': output file " + out + " already exists; volport does not overwrite it");
        assertThat(Files.readString(out)).isEqualTo("to the file\n");
        Path missing = tmp.resolve("gone").resolve("out");
        assertThatThrownBy(() -> runner.run(Command.of("true").withStdout(Command.Stdout.newFile(missing))))
                .hasMessage("cannot run 'true': output file " + missing + ": its directory does not exist");
        Path orphan = tmp.resolve("orphan");
        assertThatThrownBy(() -> runner.run(Command.of("volport-no-such-tool").withStdout(Command.Stdout.newFile(orphan))))
                .hasMessage("cannot run 'volport-no-such-tool': not found");
        assertThat(orphan).as("the file made for a command that never started is removed").doesNotExist();
    }

    @Test
    void discardedStdoutIsNotKept() throws Exception {
        CommandResult r = runner.run(Command.of("head", "-c", "10000000", "/dev/zero")
                .withStdout(Command.Stdout.discard()).withStdoutLimit(0));
        assertThat(r.stdout()).isEmpty();
        assertThat(r.exitCode()).isZero();
        assertThat(new String(r.stdout(), StandardCharsets.UTF_8)).isEmpty();
        assertThat(List.of(r.argv())).containsExactly(List.of("head", "-c", "10000000", "/dev/zero"));
    }
}
