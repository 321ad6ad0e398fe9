package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static dev.volport.cli.Shell.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.cli.Shell.Result;
import dev.volport.format.tar.TreeFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Container subvolumes through the launcher as {@code tar+size}: volport to volport, GNU tar (the reference's
 * flags) into volport and volport into GNU tar, each compared by a full metadata dump of the tree; and a hostile
 * stream that must leave nothing. Runs as root (devices, ownership, ACLs).
 */
class SubvolTransferIT {
    private static final String TAR = "tar --one-file-system -p --sparse --numeric-owner --acls --xattrs"
            + " --xattrs-include=user.* --xattrs-include=security.capability";

    @TempDir
    Path tmp;
    String v;
    Path src;

    @BeforeEach
    void setUp() throws Exception {
        v = Shell.twoDirStorages(tmp);
        Result alloc = bash(v + " alloc src 101 '' 0 --format subvol");
        assertThat(alloc.out()).as(alloc.err()).isEqualTo("successfully created 'src:101/subvol-101-disk-0.subvol'\n");
        src = tmp.resolve("src/images/101/subvol-101-disk-0.subvol");
        TreeFixture.build(src);
    }

    @AfterEach
    void tearDown() throws Exception {
        TreeFixture.unmount(src);
    }

    private Path dst(String name) {
        return tmp.resolve("dst/images/101").resolve(name);
    }

    @Test
    void volportToVolportKeepsEveryBitOfMetadata() throws Exception {
        List<String> before = TreeFixture.dump(src);
        Result r = bash(v + " export src:101/subvol-101-disk-0.subvol tar+size - | " + v
                + " import dst:101/subvol-101-disk-0.subvol tar+size - -with-snapshots 0 -allow-rename 1");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("successfully imported 'dst:101/subvol-101-disk-0.subvol'\n");
        assertThat(TreeFixture.dump(dst("subvol-101-disk-0.subvol"))).isEqualTo(before);
        Result listed = bash(v + " list dst --output json");
        assertThat(listed.out()).contains("\"volid\":\"dst:101/subvol-101-disk-0.subvol\"", "\"format\":\"subvol\"");
    }

    @Test
    void gnuTarWithTheReferenceFlagsImportsAndReadsOurStream() throws Exception {
        List<String> before = TreeFixture.dump(src);
        Result in = bash("{ perl -e 'print pack(\"Q<\", 0)'; " + TAR + " -cf - -C " + q(src) + " .; } | " + v
                + " import dst:101/subvol-101-disk-0.subvol tar+size -");
        assertThat(in.exit()).as(in.err()).isZero();
        assertThat(TreeFixture.dump(dst("subvol-101-disk-0.subvol"))).isEqualTo(before);

        Path out = tmp.resolve("by-gnu-tar");
        Files.createDirectories(out);
        Result x = bash(v + " export src:101/subvol-101-disk-0.subvol tar+size - | { head -c 8 >/dev/null; "
                + TAR + " -xf - -C " + q(out) + "; }");
        assertThat(x.exit()).as(x.err()).isZero();
        assertThat(x.err().lines().filter(l -> !l.contains("implausibly old time stamp")).toList()).isEmpty();
        assertThat(TreeFixture.dump(out)).isEqualTo(before);
    }

    @Test
    void hostileStreamLeavesNothing() throws Exception {
        Path evil = tmp.resolve("evil");
        Files.createDirectories(evil.resolve("d"));
        Files.writeString(evil.resolve("d/x"), "x");
        // a member that climbs out of the target: GNU tar writes it with -P, volport must refuse the stream
        Result r = bash("{ perl -e 'print pack(\"Q<\", 0)'; tar -P -cf - " + q(evil.resolve("d/x")) + " --transform"
                + " 's,^.*$,../../../escaped,'; } | " + v + " import dst:101/subvol-101-disk-0.subvol tar+size -");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.errLines()).hasSize(1);
        assertThat(r.err()).startsWith("volport: import into dst:101/subvol-101-disk-0.subvol failed");
        assertThat(tmp.resolve("escaped")).doesNotExist();
        assertThat(tmp.getParent().resolve("escaped")).doesNotExist();
        try (Stream<Path> s = Files.walk(tmp.resolve("dst"))) {
            assertThat(s.filter(p -> !Files.isDirectory(p) && !p.endsWith(".volport.lock")).toList()).isEmpty();
        }
        assertThat(tmp.resolve("dst/images/101")).doesNotExist();
    }

}
