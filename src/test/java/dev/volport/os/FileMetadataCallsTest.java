package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata calls against the real kernel (as root: chown, mknod and security xattrs need it). */
class FileMetadataCallsTest {
    private final FileMetadataCalls fs = new FileMetadataCalls();

    @TempDir
    Path tmp;

    private byte[] p(String name) {
        return FileMetadataCalls.bytes(tmp.resolve(name));
    }

    @Test
    void createsAndStatsEveryKindWithoutFollowingLinks() throws Exception {
        fs.mkdir(p("d"), 0750);
        fs.mknod(p("c"), FileMetadataCalls.S_IFCHR | 0640, 4, 70000);
        fs.mknod(p("fifo"), FileMetadataCalls.S_IFIFO | 0600, 0, 0);
        fs.symlink("d".getBytes(StandardCharsets.US_ASCII), p("s"));
        FileMetadataCalls.FileStat c = fs.lstat(p("c"));
        assertThat(c.type()).isEqualTo(FileMetadataCalls.S_IFCHR);
        assertThat(c.rdevMajor()).isEqualTo(4);
        assertThat(c.rdevMinor()).isEqualTo(70000);
        assertThat(fs.lstat(p("s")).isSymlink()).isTrue();
        assertThat(new String(fs.readlink(p("s"), 4096), StandardCharsets.US_ASCII)).isEqualTo("d");
        assertThat(fs.lstat(p("fifo")).type()).isEqualTo(FileMetadataCalls.S_IFIFO);
        assertThat(fs.list(FileMetadataCalls.bytes(tmp)).stream().map(String::new).sorted().toList())
                .isEqualTo(List.of("c", "d", "fifo", "s"));
        assertThatThrownBy(() -> fs.mkdir(p("d"), 0700)).isInstanceOfSatisfying(LinuxCalls.SyscallException.class,
                e -> assertThat(e.errno()).isEqualTo(FileMetadataCalls.EEXIST)).hasMessageContaining("mkdir")
                .hasMessageContaining(tmp.resolve("d").toString());
        assertThatThrownBy(() -> fs.list(p("s"))).isInstanceOf(LinuxCalls.SyscallException.class);
    }

    @Test
    void ownershipModeTimesAndXattrs() throws Exception {
        Files.writeString(tmp.resolve("f"), "x");
        fs.lchown(p("f"), 100000, -2); // 4294967294
        fs.chmod(p("f"), 06751);
        fs.setTimes(p("f"), 1, 2, -100, 999_999_999);
        fs.setXattr(p("f"), "user.k", new byte[] {0, 1, 2});
        FileMetadataCalls.FileStat st = fs.lstat(p("f"));
        assertThat(Integer.toUnsignedLong(st.uid())).isEqualTo(100000);
        assertThat(Integer.toUnsignedLong(st.gid())).isEqualTo(4294967294L);
        assertThat(st.permissions()).isEqualTo(06751);
        assertThat(st.mtimeSec()).isEqualTo(-100);
        assertThat(st.mtimeNsec()).isEqualTo(999_999_999);
        assertThat(st.atimeSec()).isEqualTo(1);
        assertThat(fs.listXattrs(p("f"))).contains("user.k");
        assertThat(fs.getXattr(p("f"), "user.k")).containsExactly(0, 1, 2);
        assertThat(fs.getXattr(p("f"), "user.none")).isNull();
    }

    @Test
    void makedevMatchesGlibc() {
        assertThat(FileMetadataCalls.makedev(8, 1)).isEqualTo(0x801);
        assertThat(FileMetadataCalls.makedev(259, 70000)).isEqualTo(0x11110370L);
    }
}
