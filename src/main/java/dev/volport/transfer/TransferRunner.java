package dev.volport.transfer;

import dev.volport.io.Progress;
import dev.volport.io.RateLimiter;
import dev.volport.os.CancellableThread;
import dev.volport.storage.LocalCopy;
import dev.volport.volume.VolumeId;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntBinaryOperator;

/**
 * Runs one export into one import: {@code source.exportVolume} on one thread writes into a pipe,
 * the {@link ImportTransaction} on another reads from it into the target, and the caller's thread waits and
 * decides.
 *
 * <p>The pipe is an OS pipe ({@link StreamPipe}): the exporter keeps its {@code sendfile} into it, and the
 * importer reads it through the rate limit and the transfer's progress ({@link StreamMeter}). The storages
 * get {@link Progress#NONE}; the one progress of the transfer counts the bytes through the pipe.
 *
 * <p>Failures: the first failure wins. When the export fails, the runner first cuts the importer's end off, so
 * the importer never mistakes the cut for a clean end of stream (a verbatim qcow2 or a tar stream ends at EOF),
 * then closes the pipe; the importer fails and its rollback removes what it staged. When the import fails, the
 * runner closes both ends and the exporter fails on its next write. The exception thrown names the first cause
 * ({@code export of X failed: …}, {@code import into Y failed: …}); what the other side reported after it was
 * stopped is attached with {@link Throwable#addSuppressed}. An import that returns without having read its stream
 * to the end is a failure too (its new volume is freed): it would leave the exporter blocked on a full pipe.
 *
 * <p>Cancellation: {@link #cancel()} from any thread, or an interrupt of the thread in {@link #run}, stop both
 * sides the same way and fail with {@code transfer of X to Y cancelled}; an interrupt stays set on return. A cancel
 * that comes after both sides have finished changes nothing.
 *
 * <p>The side threads are stopped by closing the pipe, never by {@link Thread#interrupt}: an interrupt closes
 * whatever interruptible channel the thread is using, including ones a storage shares between operations (the
 * memfd of zeros an export splices from). {@link #run} returns only after both threads have ended.
 *
 * <p>One runner runs one transfer. Nothing is printed: messages travel in exceptions, warnings of the storages
 * go where their environment sends them.
 */
public final class TransferRunner {

    private enum Side { EXPORT, IMPORT, CANCEL }

    private record Failure(Side side, Throwable error, boolean afterStop) {
    }

    private final ImportTransaction imports;
    private final IntBinaryOperator resizePipe;
    private final Object lock = new Object();
    private final List<Failure> failures = new ArrayList<>();
    private boolean exportDone;
    /** The thread of a copy in place while it runs ({@link #copyInPlace}), and whether it was cancelled. */
    private CancellableThread inPlace;
    private boolean inPlaceCancelled;
    private boolean inPlaceAllowed = true;
    private boolean importDone;
    private boolean stopping;
    private boolean used;
    private VolumeId imported;

    /** A runner whose imports run as {@code imports}, on a pipe of the system's default size (64 KiB on Linux). */
    public TransferRunner(ImportTransaction imports) {
        this(imports, null);
    }

    /**
     * A runner that asks {@code resizePipe} ({@code fd, bytes -> new size or -1}: {@code fcntl F_SETPIPE_SZ}, as
     * {@code LinuxCalls.growPipe}) for a 1 MiB pipe, which makes a mostly empty disk travel about four times
     * faster ({@link StreamPipe}).
     */
    public TransferRunner(ImportTransaction imports, IntBinaryOperator resizePipe) {
        this.imports = java.util.Objects.requireNonNull(imports, "imports");
        this.resizePipe = resizePipe;
    }

    /**
     * Makes this runner always stream, never asking the target to copy in place ({@code storage.LocalCopy}): for
     * a caller that shows the stream itself (the demo).
     */
    public TransferRunner streaming() {
        synchronized (lock) {
            inPlaceAllowed = false;
        }
        return this;
    }

    /**
     * Runs the transfer and returns once both sides have ended.
     *
     * @param progress the transfer's progress: started once the stream's first bytes arrive, finished on return
     * @throws TransferException when either side failed or the transfer was cancelled; nothing is left on the target
     */
    public TransferResult run(TransferRequest req, Progress progress) throws IOException {
        synchronized (lock) {
            if (used) {
                throw new IllegalStateException("a TransferRunner runs one transfer");
            }
            used = true;
        }
        long t0 = System.nanoTime();
        boolean mayCopyInPlace;
        synchronized (lock) {
            mayCopyInPlace = inPlaceAllowed;
        }
        if (mayCopyInPlace && req.target() instanceof LocalCopy local) {
            Optional<LocalCopy.Copied> copied = copyInPlace(local, req, progress);
            if (copied.isPresent()) {
                return new TransferResult(copied.get().volume(), req.format(), copied.get().bytes(),
                        Duration.ofNanos(System.nanoTime() - t0), Optional.of(copied.get().how()));
            }
        }
        StreamPipe pipe = StreamPipe.open(resizePipe);
        StreamMeter meter = new StreamMeter(pipe.source(), RateLimiter.of(req.limit().bytesPerSecond()), progress,
                "copy " + req.from() + " to " + req.to(), req.format());
        // named after the volumes rather than a process-wide counter: the library keeps no static mutable state
        Thread exporter = Thread.ofPlatform().name("volport-export " + req.from())
                .unstarted(() -> exportSide(req, pipe));
        // cancellable: a cancel must also end the importer's wait for the target's storage lock
        CancellableThread importer = new CancellableThread("volport-import " + req.to(),
                () -> importSide(req, meter));
        boolean interrupted = false;
        try {
            exporter.start();
            importer.start();
            try {
                awaitEndOrFailure();
            } catch (InterruptedException e) {
                interrupted = true;
                fail(Side.CANCEL, new TransferException(cancelled(req)), false);
            }
            if (firstFailure() != null) {
                stop(req, pipe, meter);
                importer.cancel();
            }
            interrupted |= joinUninterruptibly(exporter);
            interrupted |= joinUninterruptibly(importer);
        } finally {
            pipe.close();
            meter.finish();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return outcome(req, meter.bytes(), Duration.ofNanos(System.nanoTime() - t0));
    }

    /**
     * Stops a running transfer: both sides are stopped, what the import staged is removed, and {@link #run} fails
     * with {@code transfer of X to Y cancelled}. Does nothing once the transfer has ended.
     */
    public void cancel() {
        synchronized (lock) {
            if (exportDone && importDone) {
                return;
            }
            if (inPlace != null) {
                // the copy in place stops at its lock wait or its next extent and removes what it staged (not
                // interrupted: an interrupt would also close the channels its cleanup needs)
                inPlaceCancelled = true;
                inPlace.cancel();
                return;
            }
        }
        fail(Side.CANCEL, null, false);
    }

    /**
     * Asks the target to copy without a stream, on a thread of its own that {@link #cancel} (or an interrupt of
     * the caller) stops: a copy of data ranges may take minutes, and its lock wait is cancellable as an import's.
     */
    private Optional<LocalCopy.Copied> copyInPlace(LocalCopy local, TransferRequest req, Progress progress)
            throws IOException {
        @SuppressWarnings("unchecked")
        Optional<LocalCopy.Copied>[] copied = new Optional[] {Optional.empty()};
        Throwable[] failed = new Throwable[1];
        CancellableThread t = new CancellableThread("volport-copy " + req.from(), () -> {
            try {
                copied[0] = local.copyLocally(req.source(), req.source().parseName(req.from().volName()),
                        req.target().parseName(req.to().volName()), req.options(), req.limit().bytesPerSecond(),
                        progress);
            } catch (Throwable e) {
                failed[0] = e;
            }
        });
        synchronized (lock) {
            inPlace = t;
        }
        boolean interrupted;
        try {
            t.start();
            interrupted = false;
            while (true) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                    cancel();
                }
            }
        } finally {
            synchronized (lock) {
                inPlace = null;
            }
        }
        boolean cancelled;
        synchronized (lock) {
            cancelled = inPlaceCancelled;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (cancelled && (failed[0] != null || copied[0].isEmpty())) {
            // (a cancel that came after the commit is too late: the copy succeeded and is reported so)
            TransferException e = new TransferException(cancelled(req));
            if (failed[0] != null) {
                e.addSuppressed(new TransferException("import into " + req.to() + " stopped because the transfer"
                        + " was cancelled: " + failed[0].getMessage(), failed[0]));
            }
            throw e;
        }
        switch (failed[0]) {
            case null -> {
                return copied[0];
            }
            case IOException e -> throw new TransferException("copy of " + req.from() + " to " + req.to()
                    + " failed: " + e.getMessage(), e);
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new TransferException("copy of " + req.from() + " to " + req.to() + " failed: "
                    + failed[0].getMessage(), failed[0]);
        }
    }

    private void exportSide(TransferRequest req, StreamPipe pipe) {
        try {
            req.source().exportVolume(req.source().parseName(req.from().volName()), req.format(), req.options(),
                    pipe.sink(), Progress.NONE);
            pipe.closeSink(); // the importer's end of stream: only ever after a complete export
            done(Side.EXPORT, null);
        } catch (Throwable t) {
            done(Side.EXPORT, t);
        }
    }

    private void importSide(TransferRequest req, StreamMeter in) {
        try {
            VolumeId id = imports.run(req.target(), req.target().parseName(req.to().volName()), req.format(),
                    req.options(), in, Progress.NONE);
            try {
                requireEnd(req, in);
            } catch (IOException | RuntimeException e) {
                freeQuietly(req, id, e);
                throw e;
            }
            synchronized (lock) {
                imported = id;
            }
            done(Side.IMPORT, null);
        } catch (Throwable t) {
            done(Side.IMPORT, t);
        }
    }

    /** The import returned: the stream must be at its end, which also lets a still-writing exporter finish. */
    private static void requireEnd(TransferRequest req, StreamMeter in) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        long extra = 0;
        while (true) {
            buf.clear();
            int n = in.read(buf);
            if (n < 0) {
                break;
            }
            extra += n;
        }
        if (extra > 0) {
            throw new TransferException("import into " + req.to() + " ended " + extra
                    + " bytes before the end of its stream");
        }
    }

    /** Removes the volume an import created when the transfer fails after all (this run made it). */
    private static void freeQuietly(TransferRequest req, VolumeId id, Throwable failure) {
        Thread.interrupted(); // a pending interrupt would make the storage lock fail
        try {
            req.target().free(req.target().parseName(id.volName()));
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private void done(Side side, Throwable error) {
        synchronized (lock) {
            if (side == Side.EXPORT) {
                exportDone = true;
            } else {
                importDone = true;
            }
            if (error != null) {
                failures.add(new Failure(side, error, stopping));
            }
            lock.notifyAll();
        }
    }

    private void fail(Side side, Throwable error, boolean afterStop) {
        synchronized (lock) {
            failures.add(new Failure(side, error, afterStop));
            lock.notifyAll();
        }
    }

    private Failure firstFailure() {
        synchronized (lock) {
            return failures.isEmpty() ? null : failures.getFirst();
        }
    }

    private void awaitEndOrFailure() throws InterruptedException {
        synchronized (lock) {
            while (!(exportDone && importDone) && failures.isEmpty()) {
                lock.wait();
            }
        }
    }

    /**
     * Stops whatever still runs: the importer's reads fail with the reason first, then the importer's end of the
     * pipe is closed (a writer blocked in {@code sendfile} gets a broken pipe once no reader is left) and the
     * exporter's end (a blocked {@code write} returns at once).
     */
    private void stop(TransferRequest req, StreamPipe pipe, StreamMeter meter) {
        Failure first;
        synchronized (lock) {
            stopping = true;
            first = failures.getFirst();
        }
        meter.cutOff(switch (first.side()) {
            case EXPORT -> "the stream was cut off after " + meter.bytes() + " bytes: its export failed";
            case IMPORT -> "the import failed";
            case CANCEL -> "the transfer was cancelled";
        });
        pipe.close();
    }

    /** Joins {@code t}, however often the waiting thread is interrupted; returns whether it was. */
    private static boolean joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private TransferResult outcome(TransferRequest req, long bytes, Duration elapsed) throws TransferException {
        List<Failure> all;
        VolumeId id;
        synchronized (lock) {
            all = List.copyOf(failures);
            id = imported;
        }
        if (id != null && all.stream().noneMatch(f -> f.side() != Side.CANCEL)) {
            return new TransferResult(id, req.format(), bytes, elapsed); // a cancel after the end changes nothing
        }
        Failure first = all.getFirst();
        TransferException primary = describe(req, first, null);
        for (Failure f : all.subList(1, all.size())) {
            if (f.side() != Side.CANCEL) {
                primary.addSuppressed(describe(req, f, first.side()));
            }
        }
        throw primary;
    }

    /** The message for one side's failure; {@code stoppedBy} is the side whose failure stopped this one. */
    private static TransferException describe(TransferRequest req, Failure f, Side stoppedBy) {
        String who = switch (f.side()) {
            case EXPORT -> "export of " + req.from();
            case IMPORT -> "import into " + req.to();
            case CANCEL -> null;
        };
        if (who == null) {
            return f.error() instanceof TransferException te ? te : new TransferException(cancelled(req));
        }
        String reason = reason(f.error());
        if (stoppedBy != null && f.afterStop()) {
            String why = switch (stoppedBy) {
                case EXPORT -> "the export failed";
                case IMPORT -> "the import failed";
                case CANCEL -> "the transfer was cancelled";
            };
            return new TransferException(who + " stopped because " + why + ": " + reason, f.error());
        }
        String msg = reason.startsWith(who) ? reason : who + " failed: " + reason;
        return new TransferException(msg, f.error());
    }

    private static String cancelled(TransferRequest req) {
        return "transfer of " + req.from() + " to " + req.to() + " cancelled";
    }

    /** A failure's own words; for the JDK's bare exceptions, what they mean here (never a class name). */
    static String reason(Throwable t) {
        String m = t.getMessage();
        if (m != null && !m.isBlank()) {
            return m.strip();
        }
        if (t instanceof InterruptedIOException) {
            return "interrupted";
        }
        if (t instanceof ClosedChannelException) {
            return "the stream was closed";
        }
        if (t instanceof EOFException) {
            return "the stream ended early";
        }
        if (t.getCause() != null && t.getCause() != t) {
            return reason(t.getCause());
        }
        return t instanceof IOException ? "an I/O error without a message" : "an unexpected error (a bug in volport)";
    }
}
