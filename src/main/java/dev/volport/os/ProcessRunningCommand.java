package dev.volport.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A {@link RunningCommand} over a real {@link Process}. Besides the caller's threads it uses two: a daemon
 * thread that drains stderr into a {@link StderrTail}, and, when the command has a timeout, a virtual thread that
 * kills it once the timeout has passed (which also ends a caller's blocked read or write on its pipes).
 *
 * <p>Killing takes the process tree: the descendants are listed <em>before</em> anything is signalled, because
 * once a parent dies its children are re-parented and no longer show as descendants.
 */
final class ProcessRunningCommand implements RunningCommand {
    /** How long the exit waits for the stderr reader: a process that left a child holding stderr is not waited for. */
    private static final long STDERR_WAIT_MS = 2_000;
    /** How long a broken pipe waits for the command's exit, so the error can name the exit code instead. */
    private static final long PIPE_ERROR_WAIT_MS = 2_000;
    /** How long the kill waits after SIGKILL. */
    private static final long SIGKILL_WAIT_MS = 2_000;
    private static final long POLL_MS = 10;

    private final Command command;
    private final Process process;
    private final Duration grace;
    private final StderrTail tail = new StderrTail();
    private final Thread stderrReader;
    private final Thread watchdog;
    private final OutputStream stdin;
    private final InputStream stdout;
    /** The write end of a stdin pipe volport made, written without the JDK stream's 8 KiB copies; or null. */
    private final FileChannel stdinPipe;
    private final Object killLock = new Object();
    /** Set under {@link #killLock}, together with the kill they cause. */
    private boolean timedOut;
    private boolean cancelled;

    ProcessRunningCommand(Command command, Process process, Duration grace) {
        this(command, process, grace, null, null);
    }

    /**
     * {@code stderrLines}: handed each stderr line as it arrives (null: none). {@code stdinPipe}: the write end of
     * the command's stdin pipe when volport made it ({@link StdinPipe}); null: the JDK's pipe, if any.
     */
    ProcessRunningCommand(Command command, Process process, Duration grace,
            Consumer<String> stderrLines, FileChannel stdinPipe) {
        this.command = command;
        this.stdinPipe = stdinPipe;
        this.process = process;
        this.grace = grace;
        this.stderrReader = Thread.ofPlatform().daemon().name("volport stderr of " + command.program())
                .start(() -> tail.drain(process.getErrorStream(), stderrLines));
        this.watchdog = command.timeout()
                .map(t -> Thread.ofVirtual().name("volport timeout of " + command.program()).start(() -> watch(t)))
                .orElse(null);
        this.stdin = command.stdin() instanceof Command.Stdin.Pipe ? new Stdin(stdinPipe != null
                ? Channels.newOutputStream(stdinPipe) : process.getOutputStream()) : null;
        this.stdout = command.stdout() instanceof Command.Stdout.Pipe ? new Stdout(process.getInputStream()) : null;
    }

    @Override
    public List<String> argv() {
        return command.argv();
    }

    @Override
    public OutputStream stdin() {
        if (stdin == null) {
            throw new IllegalStateException("stdin of '" + command.display() + "' is not a pipe");
        }
        return stdin;
    }

    /** The pipe itself when volport made it: buffers go into it without a copy; errors explained as for stdin. */
    @Override
    public WritableByteChannel stdinChannel() {
        stdin();
        if (stdinPipe == null) {
            return Channels.newChannel(stdin);
        }
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                try {
                    return stdinPipe.write(src);
                } catch (IOException e) {
                    throw explain(e, "writing to");
                }
            }

            @Override
            public boolean isOpen() {
                return stdinPipe.isOpen();
            }

            @Override
            public void close() throws IOException {
                stdin.close();
            }
        };
    }

    @Override
    public InputStream stdout() {
        if (stdout == null) {
            throw new IllegalStateException("stdout of '" + command.display() + "' is not a pipe");
        }
        return stdout;
    }

    @Override
    public OptionalInt waitFor(Duration wait) throws CommandException {
        try {
            if (!process.waitFor(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return OptionalInt.empty();
            }
        } catch (InterruptedException e) {
            throw interrupted();
        }
        joinStderr();
        return OptionalInt.of(process.exitValue());
    }

    @Override
    public CommandResult await() throws CommandException {
        closeStdinQuietly();
        return finish(new byte[0]).check();
    }

    /**
     * Waits for the exit and returns the result with {@code out} as stdout, whatever the exit code.
     *
     * @throws CommandException if the command timed out or was cancelled
     */
    CommandResult finish(byte[] out) throws CommandException {
        int code;
        try {
            code = process.waitFor();
        } catch (InterruptedException e) {
            throw interrupted();
        }
        joinStderr();
        CommandException abnormal = abnormalEnd();
        if (abnormal != null) {
            throw abnormal;
        }
        return new CommandResult(command.argv(), code, out, tail.lines());
    }

    @Override
    public void cancel() {
        synchronized (killLock) {
            if (process.isAlive()) {
                cancelled = true;
                kill();
            }
        }
    }

    @Override
    public List<String> stderrTail() {
        return tail.lines();
    }

    @Override
    public void close() {
        cancel();
        closeStdinQuietly();
        if (stdout != null) {
            try {
                process.getInputStream().close();
            } catch (IOException ignored) {
                // Closing our end of a pipe of a finished command: nothing is lost.
            }
        }
        if (watchdog != null) {
            watchdog.interrupt();
        }
    }

    void closeStdinQuietly() {
        if (stdin != null) {
            try {
                if (stdinPipe != null) {
                    stdinPipe.close();
                }
                process.getOutputStream().close();
            } catch (IOException ignored) {
                // The command no longer reads (it exited or closed stdin); its exit status reports what matters.
            }
        }
    }

    private void watch(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                synchronized (killLock) {
                    timedOut = true;
                    kill();
                }
            }
        } catch (InterruptedException e) {
            // The handle was closed: nothing left to watch.
        }
    }

    /**
     * The error for a command ended by its timeout or a cancel, else null. The flags are set under the kill lock,
     * and a kill in progress is waited for: the JDK ends stdout and the wait as soon as the main process dies,
     * but the caller must not clean up (destroy a half-received dataset) while its children still run.
     */
    private CommandException abnormalEnd() {
        boolean timeUp;
        boolean stopped;
        synchronized (killLock) {
            timeUp = timedOut;
            stopped = cancelled;
        }
        if (timeUp) {
            return CommandException.timedOut(command.argv(), command.timeout().orElseThrow(), tail.lines());
        }
        if (stopped) {
            return CommandException.cancelled(command.argv(), tail.lines());
        }
        return null;
    }

    private CommandException interrupted() {
        synchronized (killLock) {
            cancelled = true;
            kill();
        }
        Thread.currentThread().interrupt();
        return CommandException.cancelled(command.argv(), tail.lines());
    }

    /**
     * The error to report for an I/O error on a pipe: the command's own failure if it has ended with one (a
     * {@code zfs recv} that refused the stream closes its stdin and exits 1: its message is what the user needs),
     * else the pipe error naming the command.
     */
    private CommandException explain(IOException e, String doing) {
        if (e instanceof CommandException ce) {
            return ce;
        }
        try {
            process.waitFor(PIPE_ERROR_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        }
        CommandException failure = abnormalEnd();
        if (failure == null && !process.isAlive() && process.exitValue() != 0) {
            joinStderr();
            failure = CommandException.failed(command.argv(), process.exitValue(), tail.lines());
        }
        if (failure == null) {
            return CommandException.stream(command.argv(), doing, e);
        }
        failure.addSuppressed(e);
        return failure;
    }

    private void joinStderr() {
        try {
            stderrReader.join(STDERR_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * SIGTERM to the tree, SIGKILL to what is left after the grace period; returns when all are gone. Called with
     * the kill lock held.
     */
    private void kill() {
        boolean interrupted = Thread.interrupted();
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        tree.forEach(ProcessHandle::destroy);
        interrupted |= waitGone(tree, grace.toMillis());
        List<ProcessHandle> left = new ArrayList<>();
        for (ProcessHandle h : tree) {
            if (alive(h)) {
                left.addAll(h.descendants().toList());
                left.add(h);
            }
        }
        left.forEach(ProcessHandle::destroyForcibly);
        interrupted |= waitGone(left, SIGKILL_WAIT_MS);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Polls until every process is gone or {@code ms} passed; true if the thread was interrupted meanwhile. */
    private static boolean waitGone(List<ProcessHandle> procs, long ms) {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (procs.stream().anyMatch(ProcessRunningCommand::alive) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        return interrupted;
    }

    /**
     * Whether {@code h} still runs. A killed orphan is re-parented to PID 1, which may be slow to reap it (or, in
     * a container, never does): a zombie has stopped running, so it counts as gone.
     */
    static boolean alive(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            Path stat = Path.of("/proc", Long.toString(h.pid()), "stat");
            String line = Files.readString(stat, StandardCharsets.ISO_8859_1);
            int close = line.lastIndexOf(')');
            return close < 0 || close + 2 >= line.length() || line.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }

    /** Stdin with pipe errors explained by the command's own failure. */
    private final class Stdin extends OutputStream {
        private final OutputStream out;

        Stdin(OutputStream out) {
            this.out = out;
        }

        @Override
        public void write(int b) throws IOException {
            try {
                out.write(b);
            } catch (IOException e) {
                throw explain(e, "writing to");
            }
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                out.write(b, off, len);
            } catch (IOException e) {
                throw explain(e, "writing to");
            }
        }

        @Override
        public void flush() throws IOException {
            try {
                out.flush();
            } catch (IOException e) {
                throw explain(e, "writing to");
            }
        }

        @Override
        public void close() throws IOException {
            try {
                out.close();
            } catch (IOException e) {
                throw explain(e, "writing to");
            }
        }
    }

    /** Stdout with read errors explained by the command's own failure. */
    private final class Stdout extends InputStream {
        private final InputStream in;

        Stdout(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            try {
                return in.read();
            } catch (IOException e) {
                throw explain(e, "reading from");
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return in.read(b, off, len);
            } catch (IOException e) {
                throw explain(e, "reading from");
            }
        }

        @Override
        public int available() throws IOException {
            try {
                return in.available();
            } catch (IOException e) {
                throw explain(e, "reading from");
            }
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
