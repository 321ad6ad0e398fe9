package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The launchers' training run for the start-up cache ({@code -Dvolport.aot-training=true}): several command lines
 * in one JVM, separated by {@code --next}, with the highest exit code.
 */
class MainTrainingTest {
    @Test
    void runsEveryCommandLineAndReturnsTheWorstExitCode() {
        assertThat(Main.training(new String[] {"--version"})).isZero();
        assertThat(Main.training(new String[] {"--version", "--next", "help", "export"})).isZero();
        // a usage error in the middle does not stop the lines after it, and its 2 is what the run returns
        assertThat(Main.training(new String[] {"--version", "--next", "no-such-command", "--next", "--version"}))
                .isEqualTo(2);
        // an empty line between two separators is a command line without a command: usage error
        assertThat(Main.training(new String[] {"--version", "--next", "--next", "--version"})).isEqualTo(2);
    }
}
