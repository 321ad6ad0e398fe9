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
    void sharedLocksCoexistAndKeepTheExclusiveOneOut() throws Exception {
        Path f = Files.writeString(tmp.resolve("image"), "x");
        try (LinuxCalls.OfdLock a = linux.lockShared(f); LinuxCalls.OfdLock b = linux.lockShared(f)) {
            assertThat(linux.tryLock(f)).isEmpty();
        }
        var exclusive = linux.tryLock(f);
        assertThat(exclusive).isPresent();
        exclusive.get().close();
        assertThatThrownBy(() -> linux.lockShared(tmp.resolve("missing")))
                .isInstanceOf(java.nio.file.NoSuchFileException.class);
    }

    @Test
    void fallocateAllocatesAndHolesDoNot() throws Exception {
        Path f = tmp.resolve("f");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(4 << 20);
        }
        assertThat(linux.allocatedBytes(f)).isZero();
        try (LinuxCalls.Extents ext = linux.extents(f)) {
            assertThat(ext.nextData(0)).isEqualTo(-1);
        }
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
        try (LinuxCalls.Extents ext = linux.extents(f)) {
            long data = ext.nextData(0);
            assertThat(data).isBetween(0L, 4L << 20);
            long hole = ext.nextHole(data);
            assertThat(hole).isGreaterThan(4 << 20).isLessThan(8 << 20);
            assertThat(ext.nextData(hole)).isEqualTo(-1);
            assertThat(ext.nextHole(hole)).isEqualTo(hole);
        }
    }

    @Test
    void growPipeWorksOnPipesOnly() throws Exception {
        assertThat(linux.growPipe(99, 1 << 20)).isEqualTo(-1);
        // this JVM's fd 0: under Surefire a pipe from the Maven process, else whatever the caller gave
        boolean pipe = Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString().startsWith("pipe:");
        int r = linux.growPipe(0, 1 << 20);
        if (pipe) {
            assertThat(r).isGreaterThanOrEqualTo(1 << 20);
        } else {
            assertThat(r).isEqualTo(-1);
        }
    }

    @Test
    void errorsNameTheCallAndThePath() {
        Path missing = tmp.resolve("missing");
        assertThatThrownBy(() -> linux.allocatedBytes(missing)).hasMessage("stat " + missing
                + ": No such file or directory");
        assertThatThrownBy(() -> linux.fsyncDirectory(missing)).hasMessageContaining("open " + missing);
    }
}
