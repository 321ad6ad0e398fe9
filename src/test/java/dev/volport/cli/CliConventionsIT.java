package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.volport.cli.Shell.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's command-line conventions, driven through {@code bin/volport}: {@code --version} with the build's
 * commit, {@code help COMMAND}, {@code gen-docs} (a man page groff renders, a bash completion that completes),
 * and every data-printing command's {@code --output json} against its schema in {@code docs/json}.
 */
class CliConventionsIT {
    private static final List<String> VISIBLE = List.copyOf(VolportCommand.SUBCOMMANDS.keySet()).stream()
            .filter(n -> !List.of("gen-docs", "copy", "plan-import").contains(n)).toList(); // the hidden ones

    @TempDir
    Path tmp;

    private static Result ok(Result r) {
        assertThat(r.exit()).as(r.err()).isZero();
        return r;
    }

    @Test
    void versionNamesTheCommitTheBuildWasMadeFrom() throws Exception {
        String head = ok(bash("git -C " + q(Shell.HOME) + " rev-parse --short=12 HEAD")).out().strip();
        Result r = ok(bash(Shell.VOLPORT + " --version"));
        assertThat(r.out()).matches("volport \\S+ \\(commit " + head + ", Java \\S+\\)\\n");
    }

    @Test
    void helpCommandShowsACommandsUsageAndRejectsAnUnknownOne() throws Exception {
        Result r = ok(bash(Shell.VOLPORT + " help info"));
        assertThat(r.out()).contains("Usage: volport info", "--output");
        Result bad = bash(Shell.VOLPORT + " help nosuch");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("volport: ").contains("nosuch");
    }

    @Test
    void genDocsWritesARenderableManPageAndCompletionsThatComplete() throws Exception {
        Path docs = tmp.resolve("docs");
        ok(bash(Shell.VOLPORT + " gen-docs --dir " + q(docs)));
        Result man = ok(bash("groff -man -Tutf8 -ww -P-c -P-b -P-u " + q(docs.resolve("volport.1"))));
        assertThat(man.err()).isEmpty();
        for (String name : VISIBLE) {
            assertThat(man.out()).as(name).containsPattern("(?m)^   " + name + "$");
        }
        assertThat(man.out()).doesNotContain("gen-docs").doesNotContainPattern("(?m)^   copy$");
        Files.writeString(tmp.resolve("storage.cfg"), "dir: local\n\tpath /tmp\n\nbtrfs: fast-pool\n\tpath /x\n");
        // compopt only works inside a completion bash is running; the script's calls are no-ops here
        String complete = "compopt() { :; }; source " + q(docs.resolve("volport.bash")) + "\n"
                + "complete -p volport\n"
                + "COMP_WORDS=(volport exp); COMP_CWORD=1; COMP_LINE='volport exp'; _volport_complete;"
                + " echo \"A:${COMPREPLY[*]}\"\n"
                + "COMP_WORDS=(volport --config " + q(tmp.resolve("storage.cfg")) + " info f); COMP_CWORD=4;"
                + " COMP_LINE=\"${COMP_WORDS[*]}\"; _volport_complete; echo \"B:${COMPREPLY[*]}\"\n";
        Result r = ok(bash(complete));
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("complete -o default -F _volport_complete volport",
                "A:export export-formats\n", "B:fast-pool:\n");
        Result zsh = ok(bash("head -1 " + q(docs.resolve("_volport"))));
        assertThat(zsh.out()).isEqualTo("#compdef volport\n");
    }

    @Test
    void genDocsReplacesItsOwnFilesButNotAUsers() throws Exception {
        Path docs = tmp.resolve("docs");
        ok(bash(Shell.VOLPORT + " gen-docs --dir " + q(docs)));
        ok(bash(Shell.VOLPORT + " gen-docs --dir " + q(docs)));
        Files.writeString(docs.resolve("volport.bash"), "my own script\n");
        Result r = bash(Shell.VOLPORT + " gen-docs --dir " + q(docs));
        assertThat(r.exit()).isNotZero();
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: ").contains("volport.bash", "not written by volport gen-docs");
        assertThat(Files.readString(docs.resolve("volport.bash"))).isEqualTo("my own script\n");
    }

    @Test
    void jsonOutputsMatchTheirSchemas() throws Exception {
        String v = Shell.twoDirStorages(tmp);
        ok(bash(v + " alloc src 100 vm-100-disk-0.qcow2 8M"));
        ok(bash(v + " snapshot src:100/vm-100-disk-0.qcow2 s1"));
        String vol = "src:100/vm-100-disk-0.qcow2";
        check("info", v + " info " + vol + " --output json");
        check("status", v + " status --output json");
        check("export-formats", v + " export-formats " + vol + " --output json");
        check("import-formats", v + " import-formats " + vol + " --output json");
        check("checksum", v + " checksum " + vol + " --output json");
        check("checksum", v + " checksum " + vol + " --snapshot s1 --output json");
        var info = new ObjectMapper().readTree(ok(bash(v + " info " + vol + " --output json")).out());
        assertThat(info.get("virtual-size").asLong()).isEqualTo(8L << 20).isEqualTo(info.get("size").asLong());
        assertThat(info.get("filename").asText()).isEqualTo(tmp.resolve("src/images/100/vm-100-disk-0.qcow2")
                .toString());
        var img = new ObjectMapper().readTree(ok(bash("qemu-img info --output=json "
                + q(info.get("filename").asText()))).out());
        assertThat(info.get("format").asText()).isEqualTo(img.get("format").asText());
        assertThat(info.get("virtual-size").asLong()).isEqualTo(img.get("virtual-size").asLong());
    }

    private void check(String schema, String command) throws Exception {
        Result r = ok(bash(command));
        JsonSchema s = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Shell.HOME.resolve("docs/json/" + schema + ".schema.json")));
        Set<ValidationMessage> errors = s.validate(new ObjectMapper().readTree(r.out()));
        assertThat(errors).as(command + " -> " + r.out()).isEmpty();
    }
}
