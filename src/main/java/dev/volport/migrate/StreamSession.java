package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.RateLimiter;
import dev.volport.os.CommandException;
import dev.volport.os.RunningCommand;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeName;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One stream to a receiver on another host: the export runs on its own thread into the sink (ssh's stdin or a
 * socket) through the bandwidth limit and the progress; the caller's thread reads the receiver's stdout to its
 * end. The first failure wins:
 *
 * <ul>
 * <li>the export fails on its own (not because the sink went away): the sink is aborted (ssh killed, the socket
 *     reset) before the stream could end cleanly, and the failure is {@code export of SRC failed: …};</li>
 * <li>the receiver fails (the sink goes away under the export, or it exits non-zero): its own last words are
 *     the failure ({@code migration of SRC to HOST:DST failed: …}), the export's broken pipe is not.</li>
 * </ul>
 */
final class StreamSession {
    /** Something to do with the sink that may fail: end the stream, or abort it. */
    interface SinkAction {
        void run() throws IOException;
    }

    private final MigrationPlan plan;
    private final Storage source;
    private final VolumeName name;
    private final StreamFormat format;
    private final RateLimiter limiter;
    private final Progress progress;
    private final String label;
    private volatile long bytes;

    StreamSession(MigrationPlan plan, Storage source, VolumeName name, StreamFormat format, RateLimiter limiter,
            Progress progress, String label) {
        this.plan = plan;
        this.source = source;
        this.name = name;
        this.format = format;
        this.limiter = limiter;
        this.progress = progress;
        this.label = label;
    }

    long bytes() {
        return bytes;
    }

    /**
     * Sends the export into {@code sink} and returns the receiver's stdout lines once it exited with 0.
     *
     * @param endOfStream ends the stream after a complete export (close stdin, or half-close the socket)
     * @param abort       stops the receiver without a clean end of stream
     */
    List<String> run(RunningCommand rc, WritableByteChannel sink, SinkAction endOfStream, Runnable abort,
            BufferedReader stdout, RemoteStderr stderr) throws IOException {
        AtomicReference<Throwable> exportError = new AtomicReference<>();
        AtomicBoolean exportFailedFirst = new AtomicBoolean();
        AtomicBoolean sinkFailed = new AtomicBoolean();
        WritableByteChannel guarded = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                try {
                    return sink.write(src);
                } catch (IOException | RuntimeException e) {
                    sinkFailed.set(true);
                    throw e;
                }
            }

            @Override
            public boolean isOpen() {
                return sink.isOpen();
            }

            @Override
            public void close() {
                // the sink is ended by endOfStream or abort, never by the exporter
            }
        };
        MeteredChannel metered = new MeteredChannel(guarded, limiter, progress, label, format);
        TransferOptions exportOptions = new TransferOptions(plan.options().snapshot(), plan.options().base(),
                plan.options().withSnapshots(), List.of(), false, Optional.empty());
        Thread exporter = Thread.ofPlatform().name("volport-migrate-export").start(() -> {
            try {
                source.exportVolume(name, format, exportOptions, metered, Progress.NONE);
                endOfStream.run();
            } catch (Throwable t) {
                exportError.set(t);
                if (!sinkFailed.get()) {
                    exportFailedFirst.set(true);
                    abort.run();
                }
            }
        });
        List<String> lines = new ArrayList<>();
        IOException readError = null;
        try {
            for (String line = stdout.readLine(); line != null; line = stdout.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            readError = e;
        }
        joinUninterruptibly(exporter);
        bytes = metered.bytes();
        metered.finish();
        CommandException remoteError = null;
        try {
            rc.await();
        } catch (CommandException e) {
            remoteError = e;
        }
        String remoteWords = stderr.finish(rc);
        Throwable ex = exportError.get();
        if (ex != null && (exportFailedFirst.get() || remoteError == null)) {
            String reason = Messages.reason(ex);
            String who = "export of " + plan.from();
            throw new VolportException(reason.startsWith(who) ? reason : who + " failed: " + reason, ex);
        }
        if (remoteError != null) {
            throw new VolportException("migration of " + plan.from() + " to " + plan.target() + " failed: "
                    + (remoteWords.isEmpty() ? RemoteQueries.why(remoteError) : remoteWords), remoteError);
        }
        if (readError != null) {
            throw new VolportException("migration of " + plan.from() + " to " + plan.target()
                    + ": cannot read the receiver's output: " + Messages.reason(readError), readError);
        }
        return lines;
    }

    /** Logs the receiver's stderr lines as {@code [HOST] line}; returns its last one without {@code volport: }. */
    static String logStderr(RunningCommand rc, RemoteHost host, Consumer<String> log) {
        String last = "";
        for (String line : rc.stderrTail()) {
            if (line.isBlank()) {
                continue;
            }
            log.accept("[" + host.host() + "] " + line);
            last = line.startsWith("volport: ") ? line.substring("volport: ".length()) : line;
        }
        return last;
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
