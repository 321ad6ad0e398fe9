package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every command answers {@code CMD --help}, {@code CMD -h} and {@code volport help CMD} on stdout with exit 0: its
 * synopsis, options and examples (issue 10, item 1). In process, through {@link Main#run}.
 */
class HelpTest {
    static Stream<String> commands() {
        return VolportCommand.SUBCOMMANDS.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void everyCommandAnswersHelpInThreeSpellings(String cmd) {
        InProcess.Result longForm = InProcess.run(cmd, "--help");
        InProcess.Result shortForm = InProcess.run(cmd, "-h");
        InProcess.Result helpCommand = InProcess.run("help", cmd);
        for (InProcess.Result r : new InProcess.Result[] {longForm, shortForm, helpCommand}) {
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).contains("Usage: volport " + cmd).containsPattern("(?m)^Examples?:$")
                    .containsPattern("(?m)^  (ssh other-host |qemu-img check \"\\$\\()?volport .*" + cmd);
        }
        assertThat(shortForm.out()).isEqualTo(longForm.out());
        assertThat(helpCommand.out()).isEqualTo(longForm.out());
    }

    @Test
    void helpNamesEveryOptionOfTheCommandIncludingTheGlobalOnes() {
        String out = InProcess.run("alloc", "--help").out();
        assertThat(out).contains("STOREID VMID NAME SIZE", "--format", "--config", "--progress", "--quiet",
                "KiB, MiB, GiB, TiB");
    }

    @Test
    void rootHelpListsEveryCommandWithExamples() {
        InProcess.Result r = InProcess.run("--help");
        InProcess.Result help = InProcess.run("help");
        assertThat(r.exit()).isZero();
        assertThat(help.exit()).isZero();
        assertThat(help.out()).isEqualTo(r.out());
        assertThat(r.out()).contains("Examples:");
        // hidden (experimental) commands answer --help themselves but stay out of the root list
        Set<String> hidden = Set.of("copy", "gen-docs", "plan-import");
        commands().filter(c -> !hidden.contains(c))
                .forEach(c -> assertThat(r.out()).containsPattern("(?m)^  " + c + " "));
        hidden.forEach(c -> assertThat(r.out()).doesNotContainPattern("(?m)^  " + c + " "));
    }

    @Test
    void helpForAnUnknownCommandIsAUsageError() {
        InProcess.Result r = InProcess.run("help", "frobnicate");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo("volport: unknown command 'frobnicate' (see 'volport --help')\n");
    }

    @Test
    void registersOnlyTheCommandsALineNeeds() {
        assertThat(VolportCommand.needed(new String[] {"list", "local", "--config", "x.cfg"}))
                .containsExactly("list");
        assertThat(VolportCommand.needed(new String[] {"--config", "list", "status", "-q"}))
                .containsExactly("status");
        assertThat(VolportCommand.needed(new String[] {"--progress", "json", "help", "free"}))
                .containsExactly("help", "free");
        assertThat(VolportCommand.needed(new String[] {"help", "help"})).containsExactly("help");
        assertThat(VolportCommand.needed(new String[] {"help"})).hasSize(VolportCommand.SUBCOMMANDS.size());
        assertThat(VolportCommand.needed(new String[] {"--version"})).isEmpty();
    }
}
