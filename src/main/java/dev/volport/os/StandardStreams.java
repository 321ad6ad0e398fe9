package dev.volport.os;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;

/**
 * volport's own stdin and stdout (fds 0 and 1) as channels, each made once. Code handed a channel can tell by
 * identity that it is one of them and let a child process use the file descriptor itself
 * ({@link Command.Stdin#inherit()}, {@link Command.Stdout#inherit()}) instead of copying the stream through volport:
 * {@code zfs send} writes an export to {@code -} straight into the pipe, {@code zfs recv} reads an import from
 * {@code -} straight from it. A channel wrapped for counting or a bandwidth limit is not one of them, and is copied.
 */
public final class StandardStreams {
    private static final FileChannel IN = new FileInputStream(FileDescriptor.in).getChannel();
    private static final FileChannel OUT = new FileOutputStream(FileDescriptor.out).getChannel();

    private StandardStreams() {
    }

    /** fd 0. */
    public static FileChannel stdin() {
        return IN;
    }

    /** fd 1. */
    public static FileChannel stdout() {
        return OUT;
    }

    /** Whether {@code c} is {@link #stdin()}. */
    public static boolean isStdin(Channel c) {
        return c == IN;
    }

    /** Whether {@code c} is {@link #stdout()}. */
    public static boolean isStdout(Channel c) {
        return c == OUT;
    }
}
