package dev.volport.format.tar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.io.Progress;
import dev.volport.os.FileMetadataCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header variants other writers produce that GNU tar 1.34 with the reference flags does not: GNU long
 * names, base-256 numbers, GNU sparse 0.0 and 0.1, old GNU sparse ({@code S}), V7 directories.
 */
class TarFormatsTest {
    @TempDir
    Path tmp;

    private Path extract(byte[] stream) throws IOException {
        Path target = Files.createDirectory(tmp.resolve("t" + System.nanoTime()));
        new TarImporter().extract(Channels.newChannel(new ByteArrayInputStream(stream)), target, TarLimits.DEFAULTS,
                Progress.NONE);
        return target;
    }

    @Test
    void gnuLongNameAndLongLink() throws IOException {
        String name = "d/" + "n".repeat(150);
        String link = "t".repeat(200);
        Path t = extract(new TarBuilder().dir("d/")
                .member("././@LongLink", 'L', 0644, "", (name + "\0").getBytes(StandardCharsets.UTF_8))
                .file("short", "content")
                .member("././@LongLink", 'K', 0644, "", (link + "\0").getBytes(StandardCharsets.UTF_8))
                .member("././@LongLink", 'L', 0644, "", "d/sym\0".getBytes(StandardCharsets.UTF_8))
                .symlink("ignored", "ignored").end().bytes());
        assertThat(Files.readString(t.resolve(name))).isEqualTo("content");
        assertThat(Files.readSymbolicLink(t.resolve("d/sym")).toString()).isEqualTo(link);
    }

    @Test
    void base256NumbersAreRead() throws IOException {
        byte[] h = TarBuilder.header("f".getBytes(StandardCharsets.UTF_8), '0', 0, 0640, "", 0, 0);
        Arrays.fill(h, 108, 116, (byte) 0);
        h[108] = (byte) 0x80;
        h[115] = 7; // uid 7
        Arrays.fill(h, 124, 136, (byte) 0);
        h[124] = (byte) 0x80;
        h[135] = 3; // size 3
        Path t = extract(new TarBuilder().raw(TarBuilder.fix(h)).data("abc".getBytes(StandardCharsets.US_ASCII))
                .end().bytes());
        assertThat(Files.readString(t.resolve("f"))).isEqualTo("abc");
        assertThat(Files.getAttribute(t.resolve("f"), "unix:uid")).isEqualTo(7);
    }

    @Test
    void gnuSparse00And01AndOldGnuSparse() throws IOException {
        byte[] data = "AAAABBBB".getBytes(StandardCharsets.US_ASCII);
        Path t = extract(new TarBuilder()
                .pax("GNU.sparse.size=20000", "GNU.sparse.numblocks=2", "GNU.sparse.offset=0",
                        "GNU.sparse.numbytes=4", "GNU.sparse.offset=16384", "GNU.sparse.numbytes=4",
                        "GNU.sparse.name=s00")
                .member("GNUSparseFile.1/s00", '0', 0644, "", data)
                .pax("GNU.sparse.size=20000", "GNU.sparse.map=0,4,16384,4", "GNU.sparse.name=s01")
                .member("GNUSparseFile.1/s01", '0', 0644, "", data)
                .raw(oldSparseHeader()).data(data).end().bytes());
        for (String n : new String[] {"s00", "s01", "old"}) {
            byte[] content = Files.readAllBytes(t.resolve(n));
            assertThat(content).hasSize(20000);
            assertThat(Arrays.copyOfRange(content, 0, 4)).isEqualTo("AAAA".getBytes(StandardCharsets.US_ASCII));
            assertThat(Arrays.copyOfRange(content, 16384, 16388)).isEqualTo("BBBB".getBytes(StandardCharsets.US_ASCII));
            assertThat(content[8000]).isZero();
            try (FileMetadataCalls.Fd fd = new FileMetadataCalls().open(FileMetadataCalls.bytes(t.resolve(n)),
                    FileMetadataCalls.O_RDONLY, 0)) {
                assertThat(fd.nextHole(0)).as("a hole after the first extent of %s", n).isLessThan(16384);
            }
        }
    }

    /** Old GNU type 'S': GNU magic, two extents in the header, real size at 483. */
    private static byte[] oldSparseHeader() {
        byte[] h = TarBuilder.header("old".getBytes(StandardCharsets.UTF_8), 'S', 8, 0644, "", 0, 0);
        System.arraycopy("ustar  \0".getBytes(StandardCharsets.US_ASCII), 0, h, 257, 8);
        Arrays.fill(h, 329, 345, (byte) 0);
        put(h, 386, "00000000000");
        put(h, 398, "00000000004");
        put(h, 410, "00000040000");
        put(h, 422, "00000000004");
        put(h, 483, "00000047040");
        return TarBuilder.fix(h);
    }

    private static void put(byte[] b, int off, String s) {
        System.arraycopy(s.getBytes(StandardCharsets.US_ASCII), 0, b, off, s.length());
    }

    @Test
    void v7DirectoryAndPaxTimesAndHardLink() throws IOException {
        byte[] v7 = TarBuilder.header("old-dir/".getBytes(StandardCharsets.UTF_8), '0', 0, 0750, "", 0, 0);
        Arrays.fill(v7, 257, 265, (byte) 0);
        Path t = extract(new TarBuilder().raw(TarBuilder.fix(v7)).pax("mtime=1234567890.5", "atime=-1.25")
                .file("old-dir/f", "x").hardlink("h", "./old-dir/f").end().bytes());
        assertThat(t.resolve("old-dir")).isDirectory();
        FileMetadataCalls.FileStat st = new FileMetadataCalls().lstat(t.resolve("h"));
        assertThat(st.mtimeSec()).isEqualTo(1234567890L);
        assertThat(st.mtimeNsec()).isEqualTo(500_000_000L);
        assertThat(st.atimeSec()).isEqualTo(-2L);
        assertThat(st.atimeNsec()).isEqualTo(750_000_000L);
        assertThat(st.nlink()).isEqualTo(2);
    }

    @Test
    void paxTimeFormatting() {
        assertThat(TarExporter.time(5, 0)).isEqualTo("5");
        assertThat(TarExporter.time(5, 120_000_000)).isEqualTo("5.12");
        assertThat(TarExporter.time(-2, 500_000_000)).isEqualTo("-1.5");
    }

    @Test
    void posixAclTextRoundTrip() throws Exception {
        String text = "user::rw-\nuser:1234:rwx\ngroup::r--\ngroup:7:r--\nmask::rwx\nother::r--\n";
        byte[] bin = new PosixAcl().toXattr(text, "test");
        assertThat(PosixAcl.toText(bin, "test")).isEqualTo(text);
        assertThat(new PosixAcl().toXattr("u::rw,g::r,o::-,u:root:r,m::r", "test")).hasSize(4 + 5 * 8);
        assertThat(bin).hasSize(4 + 6 * 8);
    }
}
