package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.os.RecordingCommandRunner.Answer;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fake other packages' unit tests use: it records, answers from its table, and refuses surprises. */
class RecordingCommandRunnerTest {
    private static final List<String> LIST = List.of("zfs", "list", "-H", "-p", "-o", "name,volsize");
    private static final List<String> RECV = List.of("zfs", "recv", "-F", "--", "tank/vm-100-disk-0");

    @Test
    void recordsEveryCallAndAnswersFromItsTable() throws Exception {
        RecordingCommandRunner runner = new RecordingCommandRunner()
                .answer(LIST, Answer.ok("tank/a\t1024\ntank/b\t2048\n"))
                .answer(RECV, Answer.fail(1, "cannot receive new filesystem stream: destination exists\n"));
        assertThat(runner.run(Command.of(LIST)).stdoutLines()).containsExactly("tank/a\t1024", "tank/b\t2048");
        assertThatThrownBy(() -> runner.run(Command.of(RECV)))
                .isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.exitCode()).hasValue(1))
                .hasMessage("'zfs recv -F -- tank/vm-100-disk-0' failed with exit code 1: cannot receive new "
                        + "filesystem stream: destination exists");
        assertThat(runner.execute(Command.of(RECV)).exitCode()).as("execute reports, run checks").isEqualTo(1);
        assertThat(runner.calls()).containsExactly(LIST, RECV, RECV);
    }

    @Test
    void theStdoutLimitAppliesAsInTheRealRunner() {
        RecordingCommandRunner runner = new RecordingCommandRunner().answer(LIST, Answer.ok("0123456789"));
        assertThatThrownBy(() -> runner.execute(Command.of(LIST).withStdoutLimit(9)))
                .isInstanceOfSatisfying(CommandException.class,
                        e -> assertThat(e.reason()).isEqualTo(CommandException.Reason.STDOUT_LIMIT));
        assertThat(runner.calls()).containsExactly(LIST);
    }

    @Test
    void anUnexpectedArgvFailsTheTest() {
        RecordingCommandRunner runner = new RecordingCommandRunner().answer(LIST, Answer.ok(""));
        assertThatThrownBy(() -> runner.run(Command.of("zfs", "destroy", "-r", "--", "tank")))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("unexpected command 'zfs destroy -r -- tank'")
                .hasMessageContaining("zfs list -H -p -o name,volsize");
        assertThat(runner.calls()).containsExactly(List.of("zfs", "destroy", "-r", "--", "tank"));
    }

    @Test
    void startedCommandsStreamCannedStdoutAndKeepStdin() throws Exception {
        List<String> send = List.of("zfs", "send", "-Rp", "--", "tank/x@s");
        RecordingCommandRunner runner = new RecordingCommandRunner()
                .answer(send, Answer.ok(new byte[] {1, 2, 3}))
                .answer(RECV, Answer.fail(1, "cannot receive: invalid stream"))
                .answer(List.of("btrfs"), Answer.missingProgram());
        try (RunningCommand s = runner.start(Command.of(send))) {
            assertThat(s.stdout().readAllBytes()).containsExactly(1, 2, 3);
            assertThat(s.await().exitCode()).isZero();
        }
        try (RunningCommand r = runner.start(Command.of(RECV).withStdin(Command.Stdin.pipe()))) {
            try (OutputStream in = r.stdin()) {
                in.write("stream".getBytes(StandardCharsets.US_ASCII));
            }
            assertThatThrownBy(r::await).hasMessageEndingWith("exit code 1: cannot receive: invalid stream");
        }
        assertThat(runner.stdinOf(RECV)).asString(StandardCharsets.US_ASCII).isEqualTo("stream");
        assertThatThrownBy(() -> runner.start(Command.of("btrfs"))).hasMessage("cannot run 'btrfs': not found");
        assertThat(runner.calls()).containsExactly(send, RECV, List.of("btrfs"));
    }
}
