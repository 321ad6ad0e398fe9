package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import dev.volport.io.Progress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile tar inputs of hostile-inputs.md §3.6 (numbers in the test names) and their relatives, built with
 * {@link TarBuilder}: each is refused with a {@link FormatException} naming the problem, and nothing appears
 * outside the target directory.
 */
class TarHostileTest {
    @TempDir
    Path tmp;
    private Path target;
    private Path outside;
    private Set<Path> before;

    @BeforeEach
    void dirs() throws IOException {
        target = Files.createDirectories(tmp.resolve("a/b/c/target"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim"), "original\n");
        before = snapshot();
    }

    private Set<Path> snapshot() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.filter(p -> !p.startsWith(target) || p.equals(target)).collect(Collectors.toSet());
        }
    }

    private void extract(byte[] stream, TarLimits limits) throws IOException {
        new TarImporter().extract(Channels.newChannel(new ByteArrayInputStream(stream)), target, limits,
                Progress.NONE);
    }

    /** Extraction fails with a message containing {@code expected}, and nothing outside the target changed. */
    private void refused(TarBuilder b, String expected) throws IOException {
        refused(b, TarLimits.DEFAULTS, expected);
    }

    private void refused(TarBuilder b, TarLimits limits, String expected) throws IOException {
        assertThatThrownBy(() -> extract(b.bytes(), limits)).isInstanceOf(FormatException.class)
                .hasMessageContaining(expected).hasMessageContaining("offset");
        assertThat(snapshot()).isEqualTo(before);
        assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("original\n");
        clearTarget();
    }

    /** What the caller does after a failure: remove the staging directory (symlinks are not followed). */
    private void clearTarget() throws IOException {
        try (Stream<Path> s = Files.walk(target)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        Files.createDirectory(target);
    }

    @Test
    void n65DotDotIsRefused() throws IOException {
        refused(new TarBuilder().dir("./").file("../../../../tmp/evil-dotdot.txt", "x").end(), "'..'");
        refused(new TarBuilder().file("x/../../evil.txt", "x").end(), "'..'");
        assertThat(Path.of("/tmp/evil-dotdot.txt")).doesNotExist();
    }

    @Test
    void n66AbsoluteNameIsRefused() throws IOException {
        String evil = "/tmp/volport-evil-absolute-" + System.nanoTime() + ".txt";
        refused(new TarBuilder().file(evil, "x").end(), "absolute");
        assertThat(Path.of(evil)).doesNotExist();
    }

    @Test
    void n67WritingThroughAnAbsoluteSymlinkIsRefused() throws IOException {
        refused(new TarBuilder().symlink("escape", outside.toString()).file("escape/evil.txt", "x").end(),
                "not a directory");
        assertThat(outside.resolve("evil.txt")).doesNotExist();
    }

    @Test
    void n68WritingThroughARelativeSymlinkIsRefused() throws IOException {
        refused(new TarBuilder().symlink("a", "../../../../../../tmp").file("a/evil-rel.txt", "x").end(),
                "not a directory");
        refused(new TarBuilder().symlink("o", "../../../../outside").symlink("o/victim", "x").end(),
                "not a directory");
        assertThat(Path.of("/tmp/evil-rel.txt")).doesNotExist();
    }

    @Test
    void n70HardLinksOutsideOrToMissingTargetsAreRefused() throws IOException {
        refused(new TarBuilder().hardlink("hl", "/etc/passwd").file("hl", "truncate me").end(), "absolute");
        refused(new TarBuilder().hardlink("hl", "../../../../outside/victim").end(), "'..'");
        refused(new TarBuilder().hardlink("hl", "missing").end(), "not in the archive");
        refused(new TarBuilder().dir("d/").hardlink("hl", "d").end(), "hard link to a directory");
        refused(new TarBuilder().symlink("s", outside.toString()).hardlink("hl", "s/victim").end(),
                "not a directory");
        refused(new TarBuilder().file("f", "x").hardlink("hl", "f").file("hl", "overwrite").end(), "exists already");
    }

    @Test
    void n72DevicesAreRefusedWhenNotAllowedAndConfinedOtherwise() throws IOException {
        TarBuilder b = new TarBuilder().device("null", '3', 1, 3).device("sda", '4', 8, 0).device("fifo", '6', 0, 0)
                .end();
        refused(b, TarLimits.DEFAULTS.withoutSpecialFiles(), "device or FIFO");
        extract(b.bytes(), TarLimits.DEFAULTS);
        assertThat(Files.readAttributes(target.resolve("sda"), "unix:rdev", LinkOption.NOFOLLOW_LINKS).get("rdev"))
                .isEqualTo(2048L);
        assertThat(snapshot()).isEqualTo(before);
    }

    @Test
    void n73SetuidIsRefusedWhenNotAllowed() throws IOException {
        TarBuilder b = new TarBuilder().member("su", '0', 04755, "", "x".getBytes(StandardCharsets.UTF_8)).end();
        refused(b, TarLimits.DEFAULTS.withoutSpecialFiles(), "setuid");
        extract(b.bytes(), TarLimits.DEFAULTS);
        assertThat(Files.readAttributes(target.resolve("su"), "unix:mode").get("mode")).isEqualTo(0104755);
    }

    @Test
    void n75LongNamesAreRefused() throws IOException {
        String longPath = ("d".repeat(200) + "/").repeat(200) + "f";
        refused(new TarBuilder().pax("path=" + longPath).file("x", "x").end(), "exceeds the limit");
        refused(new TarBuilder().member("././@LongLink", 'L', 0644, "", longPath.getBytes(StandardCharsets.UTF_8))
                .file("x", "x").end(), "GNU long name");
        refused(new TarBuilder().pax("path=" + "c".repeat(300)).file("x", "x").end(), "name component");
        refused(new TarBuilder().pax("linkpath=" + "t".repeat(5000)).symlink("s", "x").end(), "link target");
    }

    @Test
    void n78HugePaxHeaderIsRefusedBeforeReading() throws IOException {
        refused(new TarBuilder().paxClaiming(16 << 20), "pax header of 16777216 bytes exceeds the limit");
    }

    @Test
    void n79HugeSparseRealSizeIsRefusedBeforeCreating() throws IOException {
        byte[] map = "1\n0\n0\n".getBytes(StandardCharsets.US_ASCII);
        refused(new TarBuilder().pax("GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.name=big",
                "GNU.sparse.realsize=" + (1L << 50)).member("GNUSparseFile.0/big", '0', 0644, "",
                        Arrays.copyOf(map, 512)).end(), "real size 1125899906842624 exceeds the limit");
        assertThat(target.resolve("big")).doesNotExist();
        refused(new TarBuilder().file("f", "0123456789").end(), TarLimits.DEFAULTS.withMaxFileBytes(5),
                "size 10 exceeds the limit of 5 bytes");
        refused(new TarBuilder().file("f", "0123456789").file("g", "0123456789").end(),
                TarLimits.DEFAULTS.withMaxTotalBytes(15), "add up to more than the limit of 15 bytes");
    }

    @Test
    void n81BadChecksumIsRefused() throws IOException {
        byte[] h = TarBuilder.header("f".getBytes(StandardCharsets.UTF_8), '0', 0, 0644, "", 0, 0);
        h[0] = 'g';
        refused(new TarBuilder().raw(h).end(), "checksum");
    }

    @Test
    void n82EntryCountAndDepthAreLimited() throws IOException {
        TarBuilder many = new TarBuilder();
        for (int i = 0; i < 101; i++) {
            many.file("f" + i, "");
        }
        refused(many.end(), TarLimits.DEFAULTS.withMaxEntries(100, 10), "more than 100 headers");
        TarBuilder deep = new TarBuilder();
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            p.append("d/");
            deep.dir(p.toString());
        }
        refused(deep.end(), TarLimits.DEFAULTS.withMaxEntries(100, 10), "nesting depth 11");
    }

    @Test
    void n83NonEmptyTargetIsRefusedBeforeReading() throws IOException {
        Files.createSymbolicLink(target.resolve("x"), outside);
        assertThatThrownBy(() -> extract(new TarBuilder().file("x/victim", "pwned").end().bytes(), TarLimits.DEFAULTS))
                .isInstanceOf(IOException.class).hasMessageContaining("not empty");
        assertThat(Files.readString(outside.resolve("victim"))).isEqualTo("original\n");
    }

    @Test
    void repeatedAndTypeChangingMembersAreRefused() throws IOException {
        refused(new TarBuilder().file("f", "one").file("f", "two").end(), "exists already");
        refused(new TarBuilder().file("f", "one").dir("f/").end(), "exists already");
        refused(new TarBuilder().dir("d/").symlink("d", "/").end(), "exists already");
        refused(new TarBuilder().dir("./").dir("./").end(), "root directory appears twice");
        refused(new TarBuilder().file("f", "x").file("f/g", "x").end(), "not a directory");
        refused(new TarBuilder().file("missing/g", "x").end(), "not in the archive");
    }

    @Test
    void truncatedStreamsAreRefused() throws IOException {
        byte[] whole = new TarBuilder().file("f", "x".repeat(2000)).end().bytes();
        refused(new TarBuilder().raw(Arrays.copyOf(whole, 1000)), "data missing");
        refused(new TarBuilder().raw(Arrays.copyOf(whole, 300)), "truncated");
        refused(new TarBuilder().raw(Arrays.copyOf(whole, 512 + 2048)), "no end-of-archive marker");
        refused(new TarBuilder().raw(Arrays.copyOf(whole, 512 + 2048 + 512)), "truncated");
        refused(new TarBuilder().file("f", "x").raw(new byte[512]).file("g", "y").end(), "lone zero block");
        refused(new TarBuilder().file("f", "x").end().raw(new byte[] {1}), "after the end-of-archive marker");
    }

    @Test
    void otherMalformedHeadersAreRefused() throws IOException {
        refused(new TarBuilder().pax("path=a\0b").file("x", "x").end(), "NUL");
        refused(new TarBuilder().member("d", 'D', 0755, "", new byte[0]).end(), "unsupported member type 'D'");
        refused(new TarBuilder().pax("size=abc").file("x", "x").end(), "not a decimal number");
        refused(new TarBuilder().pax("mtime=1.2.3").file("x", "x").end(), "not a time");
        refused(new TarBuilder().member("p", 'x', 0644, "", "12 path\n".getBytes(StandardCharsets.US_ASCII))
                .file("x", "x").end(), "bad record length");
        refused(new TarBuilder().pax("path=a").pax("path=b").file("x", "x").end(), "two pax headers");
        refused(new TarBuilder().pax("GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.realsize=100")
                .member("s", '0', 0644, "", Arrays.copyOf("2\n0\n10\n5\n10\n".getBytes(StandardCharsets.US_ASCII),
                        512 + 20)).end(), "overlaps");
        refused(new TarBuilder().pax("GNU.sparse.major=1", "GNU.sparse.minor=0", "GNU.sparse.realsize=100")
                .member("s", '0', 0644, "", Arrays.copyOf("1\n0\n10\n".getBytes(StandardCharsets.US_ASCII),
                        512 + 20)).end(), "hold 10 bytes but the member stores 20");
        refused(new TarBuilder().pax("GNU.sparse.major=2", "GNU.sparse.minor=0").file("s", "x").end(),
                "sparse version 2.0");
        refused(new TarBuilder().pax("SCHILY.acl.access=user::rw-\nuser:no-such-user-volport:r--\ngroup::r--\n"
                + "mask::r--\nother::r--\n").file("x", "x").end(), "unknown on this host");
        byte[] negative = TarBuilder.header("x".getBytes(StandardCharsets.UTF_8), '0', 0, 0644, "", 0, 0);
        negative[124] = (byte) 0xff;
        refused(new TarBuilder().raw(TarBuilder.fix(negative)).end(), "negative base-256 size");
    }
}
