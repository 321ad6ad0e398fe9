package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code volport demo --dir DIR} removes only what it made, whatever DIR held before. */
class DemoDirIT {
    @TempDir
    Path tmp;

    private static Result demo(Path dir, String... more) throws Exception {
        Result r = bash(Shell.VOLPORT + " demo --size 8M --dir " + q(dir) + " " + String.join(" ", more));
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("(identical)");
        return r;
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void nonEmptyDirKeepsItsFilesAndTheDemoUsesASubdirectory() throws Exception {
        Path dir = tmp.resolve("work");
        Files.createDirectories(dir.resolve("src"));
        Files.writeString(dir.resolve("sentinel"), "mine\n");
        Files.writeString(dir.resolve("storage.cfg"), "not the demo's\n");
        Result r = demo(dir);
        assertThat(r.out()).contains("'" + dir + "' is not empty: the demo works in the new subdirectory '" + dir
                + "/volport-demo-");
        assertThat(entries(dir)).containsExactly("sentinel", "src", "storage.cfg");
        assertThat(Files.readString(dir.resolve("sentinel"))).isEqualTo("mine\n");
        assertThat(Files.readString(dir.resolve("storage.cfg"))).isEqualTo("not the demo's\n");
        assertThat(entries(dir.resolve("src"))).isEmpty();
    }

    @Test
    void nonEmptyDirWithKeepHoldsTheDemoInItsSubdirectory() throws Exception {
        Path dir = tmp.resolve("work");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("sentinel"), "mine\n");
        demo(dir, "--keep");
        List<String> names = entries(dir);
        assertThat(names).hasSize(2).contains("sentinel");
        Path sub = dir.resolve(names.get(0).equals("sentinel") ? names.get(1) : names.get(0));
        assertThat(sub.getFileName().toString()).startsWith("volport-demo-");
        assertThat(sub.resolve("storage.cfg")).isRegularFile();
        assertThat(sub.resolve("dst/images/100/vm-100-disk-0.raw")).isRegularFile();
    }

    @Test
    void emptyDirIsLeftEmpty() throws Exception {
        Path dir = tmp.resolve("empty");
        Files.createDirectories(dir);
        Result r = demo(dir);
        assertThat(r.out()).doesNotContain("is not empty").contains("Two dir storages in " + dir + " ");
        assertThat(dir).isDirectory();
        assertThat(entries(dir)).isEmpty();
    }

    @Test
    void newDirIsRemovedAgain() throws Exception {
        Path dir = tmp.resolve("new/deeper");
        demo(dir);
        assertThat(tmp.resolve("new")).as("created with DIR, removed with it").doesNotExist();
        assertThat(tmp).isDirectory();
    }
}
