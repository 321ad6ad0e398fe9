package dev.volport.os;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Linux calls the storages, the import and the export paths make, as an interface: {@link LinuxCalls} is the
 * real one (FFM bindings and the JDK's file channels); tests put another in the storage environment to make a
 * call fail as the kernel would (ENOSPC or EIO on a write or a flush, EEXIST at the commit rename, short writes)
 * without root or a full disk. A failing call throws what the real one would: an {@link IOException}, a
 * {@link LinuxCalls.SyscallException} with its errno for the calls that have one.
 *
 * <p>Every byte an import writes goes through a channel from {@link #openReadWrite}, so a replacement sees, and can
 * fail, each write and the final {@code force}.
 */
public interface Linux {
    /** The real calls. One instance serves a process: it holds only immutable method handles. */
    static Linux system() {
        return LinuxCalls.SYSTEM;
    }

    /** {@code renameat2(RENAME_NOREPLACE)}: errno {@link LinuxCalls#EEXIST} instead of replacing {@code to}. */
    void renameNoReplace(Path from, Path to) throws IOException;

    /** {@code fsync} of a directory, after a create or rename inside it. */
    void fsyncDirectory(Path dir) throws IOException;

    /** {@code syncfs} of the filesystem holding {@code dir}. */
    void syncfs(Path dir) throws IOException;

    /** {@code fallocate} mode 0 of an existing file (symlinks not followed). */
    void fallocate(Path file, long offset, long length) throws IOException;

    /**
     * Opens an existing regular file for reading and writing, symlinks not followed: the channel an import writes
     * its data through and flushes ({@code force}) before the commit. The caller closes it.
     */
    FileChannel openReadWrite(Path file) throws IOException;

    /** Sets the length of an existing regular file ({@code ftruncate}): holes when it grows. */
    void setLength(Path file, long length) throws IOException;

    /** A cursor over the data and holes of {@code file} ({@code SEEK_DATA}/{@code SEEK_HOLE}). */
    LinuxCalls.Extents extents(Path file) throws IOException;

    /** A handle that starts writeback of written ranges of {@code file} ({@code sync_file_range}). */
    LinuxCalls.Writeback writeback(Path file) throws IOException;

    /**
     * Makes the existing file {@code to} a clone of {@code from} that shares its blocks ({@code FICLONE}); false
     * when their filesystem cannot. By default false.
     */
    default boolean cloneFile(Path from, Path to) throws IOException {
        return false;
    }

    /**
     * A second handle on the existing {@code file} for writes that bypass the page cache ({@code O_DIRECT});
     * empty when its filesystem refuses them. By default empty: a stand-in for the system that does not say
     * otherwise sees every write through {@link #openReadWrite}'s channel.
     */
    default Optional<LinuxCalls.DirectFile> openDirect(Path file) throws IOException {
        return Optional.empty();
    }

    /** {@code fcntl(F_SETPIPE_SZ)} on {@code fd}: the new size, or -1 when refused or not a pipe. */
    int growPipe(int fd, int bytes);

    /** Creates {@code file} ({@code O_EXCL}) and holds an exclusive lock on it; errno EEXIST when it exists. */
    LinuxCalls.OfdLock createLocked(Path file) throws IOException;

    /** Opens or creates {@code file} and waits for an exclusive lock on it. */
    LinuxCalls.OfdLock lockWaiting(Path file) throws IOException;

    /** Waits for a shared lock on the existing {@code file} ({@link java.nio.file.NoSuchFileException} if none). */
    LinuxCalls.OfdLock lockShared(Path file) throws IOException;

    /** An exclusive lock on the existing {@code file} if nobody holds one; empty if held or gone. */
    Optional<LinuxCalls.OfdLock> tryLock(Path file) throws IOException;

    /** Bytes allocated to {@code file} ({@code st_blocks * 512}). */
    long allocatedBytes(Path file) throws IOException;

    /** Whether {@code fd} is a terminal. */
    boolean isatty(int fd);
}
