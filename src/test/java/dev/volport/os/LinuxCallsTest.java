package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinuxCallsTest {
    private final LinuxCalls linux = new LinuxCalls();

    @TempDir
    Path tmp;

    @Test
    void renameNoReplaceMovesButNeverReplaces() throws Exception {
        Path a = Files.writeString(tmp.resolve("a"), "a");
        Path b = Files.writeString(tmp.resolve("b"), "b");
        assertThatThrownBy(() -> linux.renameNoReplace(a, b)).isInstanceOfSatisfying(
                LinuxCalls.SyscallException.class, e -> assertThat(e.errno()).isEqualTo(LinuxCalls.EEXIST))
                .hasMessageContaining("File exists");
        assertThat(Files.readString(b)).isEqualTo("b");
        Path c = tmp.resolve("c");
        linux.renameNoReplace(a, c);
        assertThat(Files.readString(c)).isEqualTo("a");
        assertThat(a).doesNotExist();
    }

    @Test
    void fallocateAllocatesAndHolesDoNot() throws Exception {
        Path f = tmp.resolve("f");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(4 << 20);
        }
        assertThat(linux.allocatedBytes(f)).isZero();
        assertThat(linux.dataExtents(f, 4 << 20)).isEmpty();
        linux.fallocate(f, 0, 1 << 20);
        assertThat(linux.allocatedBytes(f)).isGreaterThanOrEqualTo(1 << 20);
    }

    @Test
    void dataExtentsFindWrittenRanges() throws Exception {
        Path f = tmp.resolve("g");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(8 << 20);
            raf.seek(4 << 20);
            raf.write(new byte[4096 * 2], 0, 8192);
            raf.seek(4 << 20);
            raf.write(1);
        }
        long[] ext = linux.dataExtents(f, 8 << 20);
        assertThat(ext).hasSize(2);
        assertThat(ext[0]).isLessThanOrEqualTo(4 << 20);
        assertThat(ext[1]).isGreaterThan(4 << 20);
    }

    @Test
    void errorsNameTheCallAndThePath() {
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> linux.allocatedBytes(missing)).hasMessage("stat " + missing
                + ": No such file or directory");
        assertThatThrownBy(() -> linux.fsyncDirectory(missing)).hasMessageContaining("open " + missing);
    }
}
