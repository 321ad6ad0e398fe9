package dev.volport.os;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A child's stdin as an operating-system pipe whose write end is a {@link FileChannel}: a stream written into it goes
 * from volport's buffers straight into the pipe, in writes as large as the buffers, where the JDK's process stdin
 * is a stream that copies every 8 KiB through a heap array and a system call of its own (for a migration over ssh,
 * 131,072 of them per GiB on the sending side alone).
 *
 * <p>The read end is handed to the child as a file the JDK opens, {@code /proc/self/fd/N} (on Linux this opens the
 * pipe itself), and closed in volport once the child has it. Both descriptors are close-on-exec: no other child
 * inherits an end, so the child sees the end of the stream as soon as volport closes the write end.
 */
final class StdinPipe {
    private final int readFd;
    private final FileChannel writer;
    private boolean readClosed;

    private StdinPipe(int readFd, FileChannel writer) {
        this.readFd = readFd;
        this.writer = writer;
    }

    /** A new pipe; empty where {@code /proc/self/fd} cannot reopen it (the caller then uses the JDK's pipe). */
    static Optional<StdinPipe> open() {
        int[] fds;
        try {
            fds = LinuxCalls.pipe();
        } catch (IOException | RuntimeException | LinkageError e) {
            return Optional.empty();
        }
        try {
            LinuxCalls.SYSTEM.growPipe(fds[1], 1 << 20);
            FileChannel w = FileChannel.open(Path.of("/proc/self/fd/" + fds[1]), StandardOpenOption.WRITE);
            return Optional.of(new StdinPipe(fds[0], w));
        } catch (IOException | RuntimeException e) {
            LinuxCalls.close(fds[0]);
            return Optional.empty();
        } finally {
            LinuxCalls.close(fds[1]);
        }
    }

    /** The read end as the file a {@link ProcessBuilder.Redirect} opens for the child. */
    File readEnd() {
        return new File("/proc/self/fd/" + readFd);
    }

    /** The write end; closing it ends the child's stdin. */
    FileChannel writer() {
        return writer;
    }

    /** Closes volport's copy of the read end: once the child was started, or failed to start. */
    synchronized void closeReadEnd() {
        if (!readClosed) {
            readClosed = true;
            LinuxCalls.close(readFd);
        }
    }
}
