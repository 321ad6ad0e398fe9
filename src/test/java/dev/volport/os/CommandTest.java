package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command value: defaults, validation, and the shell-quoted display used in every error message. */
class CommandTest {
    @Test
    void plainWordsStayAsTheyAreOthersAreQuoted() {
        assertThat(Command.display(List.of("zfs", "recv", "-F", "--", "tank/vm-100-disk-0")))
                .isEqualTo("zfs recv -F -- tank/vm-100-disk-0");
        assertThat(Command.display(List.of("zfs", "list", "-o", "name,volsize", "pool/x@snap:1%")))
                .isEqualTo("zfs list -o name,volsize pool/x@snap:1%");
        assertThat(Command.display(List.of("ssh", "host", "--", "a b", "it's", "", "$(rm -rf /)")))
                .isEqualTo("ssh host -- 'a b' 'it'\\''s' '' '$(rm -rf /)'");
    }

    @Test
    void controlCharactersCannotBreakTheLine() {
        String shown = Command.display(List.of("btrfs", "line1\nline2\t\u001b[31m'x\\"));
        assertThat(shown).isEqualTo("btrfs $'line1\\nline2\\t\\x1b[31m\\'x\\\\'");
        assertThat(shown).doesNotContain("\n", "\u001b");
    }

    @Test
    void defaultsKeepVolportsStdinAndMemorySafe() {
        Command c = Command.of("zfs", "list");
        assertThat(c.stdin()).isEqualTo(Command.Stdin.closed());
        assertThat(c.stdout()).isEqualTo(Command.Stdout.pipe());
        assertThat(c.timeout()).isEmpty();
        assertThat(c.stdoutLimit()).isEqualTo(1 << 20);
        Command d = c.withEnv("A", "1").withDirectory(Path.of("/tmp")).withTimeout(Duration.ofSeconds(3))
                .withStdoutLimit(10).withStdin(Command.Stdin.pipe()).withStdout(Command.Stdout.discard());
        assertThat(d.env()).containsExactlyEntriesOf(java.util.Map.of("A", "1"));
        assertThat(d.directory()).contains(Path.of("/tmp"));
        assertThat(d.timeout()).contains(Duration.ofSeconds(3));
        assertThat(c.env()).isEmpty();
    }

    @Test
    void badCommandsAreRefusedAtConstruction() {
        assertThatThrownBy(() -> Command.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("zfs", "a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> Command.of("zfs").withTimeout(Duration.ZERO)).hasMessageContaining("positive");
        assertThatThrownBy(() -> Command.of("zfs").withEnv("A=B", "x")).hasMessageContaining("'A=B'");
        assertThatThrownBy(() -> Command.of("zfs").withStdoutLimit(-1)).hasMessageContaining("-1");
    }
}
