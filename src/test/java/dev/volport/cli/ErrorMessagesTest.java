package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The command line's error paths as a user meets them (issue 10): exit code and the exact one-line message on
 * stderr, nothing on stdout, nothing created. In process, through {@link Main#run}, on a real {@code dir} storage.
 */
class ErrorMessagesTest {
    @TempDir
    Path tmp;
    Path cfg;
    Path images;

    @BeforeEach
    void storage() throws IOException {
        cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "dir: local\n\tpath " + tmp.resolve("local") + "\n");
        images = tmp.resolve("local/images/100");
    }

    private InProcess.Result run(String... args) {
        return InProcess.run(Stream.concat(Stream.of("--config", cfg.toString()), Stream.of(args))
                .toArray(String[]::new));
    }

    /** Exit {@code exit}, stdout empty, and exactly {@code line} on stderr. */
    private static void assertFails(InProcess.Result r, int exit, String line) {
        assertThat(r.exit()).as(r.err()).isEqualTo(exit);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).isEqualTo(line + "\n");
    }

    @Test
    void unknownOption() {
        assertFails(run("free", "--bogus", "local:100/vm-100-disk-0.raw"), 2,
                "volport: unknown option: '--bogus' (see 'volport free --help')");
    }

    @Test
    void unknownCommandSuggestsTheNearestOne() {
        // picocli's own nearness: with the snapshot commands registered it offers delsnapshot too
        assertFails(run("lst", "local"), 2,
                "volport: unknown command 'lst'; did you mean list or status or delsnapshot? (see 'volport --help')");
    }

    @Test
    void missingArgument() {
        assertFails(run("free"), 2, "volport: missing required parameter: 'VOLID' (see 'volport free --help')");
        assertFails(run("alloc", "local", "100", ""), 2,
                "volport: missing required parameter: 'SIZE' (see 'volport alloc --help')");
    }

    @Test
    void badValuesNameTheValueAndForAnOptionTheOption() {
        assertFails(run("alloc", "local", "abc", "", "1G"), 2,
                "volport: invalid VMID 'abc': expected a number such as 100 (see 'volport alloc --help')");
        assertFails(run("list", "local", "--vmid", "1x"), 2,
                "volport: --vmid: invalid VMID '1x': expected a number such as 100 (see 'volport list --help')");
        assertFails(run("info", "local"), 2, "volport: invalid volume id 'local': expected STOREID:VOLNAME,"
                + " found no ':' (see 'volport info --help')");
    }

    @Test
    void configIsADirectory() {
        InProcess.Result r = InProcess.run("--config", tmp.toString(), "list", "local");
        assertFails(r, 1, "volport: cannot read storage configuration '" + tmp + "': is a directory");
    }

    @Test
    void configIsMissing() {
        Path missing = tmp.resolve("nope.cfg");
        InProcess.Result r = InProcess.run("--config", missing.toString(), "status");
        assertFails(r, 1, "volport: cannot read storage configuration '" + missing + "': no such file");
    }

    @Test
    void configErrorsNameFileAndLineWithoutTheOperation() throws IOException {
        Files.writeString(cfg, "dir: local\n\tpathh /x\n");
        assertFails(run("info", "local:100/vm-100-disk-0.raw"), 1,
                "volport: " + cfg + ":2: unknown property 'pathh' for storage type 'dir'");
    }

    @Test
    void unknownStorage() {
        assertFails(run("list", "nope"), 1, "volport: storage 'nope' does not exist");
        // the message does not name the volume: the operation is put in front
        assertFails(run("info", "nope:100/vm-100-disk-0.raw"), 1,
                "volport: info of nope:100/vm-100-disk-0.raw: storage 'nope' does not exist");
    }

    @Test
    void unknownVolumeIsNamedOnce() throws IOException {
        Files.createDirectories(images);
        assertFails(run("free", "local:100/vm-100-disk-7.raw"), 1, "volport: volume local:100/vm-100-disk-7.raw"
                + " does not exist (no file '" + images.resolve("vm-100-disk-7.raw") + "')");
    }

    @Test
    void fileSystemErrorsNameTheFileInPlainWords() throws IOException {
        assertThat(run("alloc", "local", "100", "", "1M").exit()).isZero();
        Path out = tmp.resolve("no-such-dir/disk.stream");
        assertFails(run("export", "local:100/vm-100-disk-0.raw", "raw+size", out.toString()), 1,
                "volport: export of local:100/vm-100-disk-0.raw: cannot create '" + out + "': no such directory '"
                        + out.getParent() + "'");
    }

    @Test
    void aMessageStartingWithTheCommandGetsItsVolumeInstead() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.stream"));
        InProcess.Result r = run("import", "local:100/vm-100-disk-0.raw", "raw+size", empty.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).startsWith("volport: import of local:100/vm-100-disk-0.raw: ")
                .doesNotContain("raw: import:").hasLineCount(1);
        assertThat(images.resolve("vm-100-disk-0.raw")).doesNotExist();
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "1536B | invalid size '1536B': not a whole number of KiB, the unit volumes are allocated in (the next whole"
                + " size is 2K)",
        "1MB | invalid size '1MB': unit 'MB' is ambiguous (write M or MiB for powers of 1024)",
        "-1 | invalid size '-1': negative (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "'' | invalid size '': empty (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "lots | invalid size 'lots': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB,"
                + " TiB)",
        "99999999999999999999 | invalid size '99999999999999999999': 2^63 bytes or more",
    })
    void badSizesAreRefusedAndNothingIsCreated(String size, String message) {
        assertFails(run("alloc", "local", "100", "", size), 2,
                "volport: " + message + " (see 'volport alloc --help')");
        assertThat(images).doesNotExist();
    }

    @ParameterizedTest(name = "{0} = {1} bytes")
    @CsvSource({"8, 8192", "8K, 8192", "2048B, 2048", "3MiB, 3145728", "1m, 1048576"})
    void sizesAllocateExactlyWhatTheySay(String size, long bytes) throws IOException {
        InProcess.Result r = run("alloc", "local", "100", "", size);
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(Files.size(images.resolve("vm-100-disk-0.raw"))).isEqualTo(bytes);
    }

    @Test
    void globalOptionsAfterTheCommand() throws IOException {
        assertThat(run("alloc", "local", "100", "", "1M").exit()).isZero();
        InProcess.Result r = InProcess.run("list", "local", "--config", cfg.toString(), "-q", "--progress", "json");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("local:100/vm-100-disk-0.raw");
        InProcess.Result bad = InProcess.run("status", "--config", cfg.toString(), "--progress", "loud");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err()).startsWith("volport: invalid value for option '--progress': ")
                .contains("'loud'").endsWith(" (see 'volport status --help')\n");
    }

    @Test
    void aStorageWithoutItsDirectorySaysWhyItCannotBeLocked() {
        Path lock = tmp.resolve("local/.volport.lock");
        assertFails(run("free", "local:100/vm-100-disk-0.raw"), 1, "volport: free of local:100/vm-100-disk-0.raw:"
                + " cannot lock '" + lock + "': no such file or directory");
    }

    @Test
    void freeSaysWhatItRemoved() throws IOException {
        assertThat(run("alloc", "local", "100", "", "1M").out())
                .isEqualTo("successfully created 'local:100/vm-100-disk-0.raw'\n");
        InProcess.Result r = run("free", "local:100/vm-100-disk-0.raw");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("Removed volume 'local:100/vm-100-disk-0.raw'\n");
        assertThat(r.err()).isEmpty();
        assertThat(images.resolve("vm-100-disk-0.raw")).doesNotExist();
    }
}
