package dev.volport.storage;

import dev.volport.os.ShutdownGuard;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Undo steps of one transaction (an import, an allocation). Steps run in reverse order when the rollback is
 * closed without {@link #commit}, or when the process is stopped by SIGINT/SIGTERM before that. The commit
 * action and the signal-time undo exclude each other: either the volume is committed, or it is removed.
 */
public final class Rollback implements AutoCloseable {
    /** One undo step. */
    @FunctionalInterface
    public interface Step {
        void undo() throws IOException;
    }

    /** The commit action, run under the rollback's lock. */
    @FunctionalInterface
    public interface Commit {
        void run() throws IOException;
    }

    private final Deque<Step> steps = new ArrayDeque<>();
    private final ShutdownGuard guard;
    private final Warnings warnings;
    private final Runnable onSignal = this::abortFromSignal;
    private boolean done;
    private boolean aborted;

    /** A rollback undone on {@code env}'s signals; a step that fails is reported on {@code env}'s warnings. */
    public Rollback(StorageEnvironment env) {
        this.guard = env.guard();
        this.warnings = env.warnings();
        guard.add(onSignal);
    }

    /** Adds an undo step; it runs before those added earlier. */
    public synchronized void add(Step step) {
        steps.push(step);
    }

    /**
     * Runs {@code action} (typically the final rename) and marks the transaction committed, unless a signal has
     * already undone it.
     *
     * @throws IOException when the transaction was aborted by a signal, or from the action itself (then the
     *                     undo steps still run on {@link #close})
     */
    public synchronized void commit(Commit action) throws IOException {
        if (aborted) {
            throw new IOException("interrupted by a signal");
        }
        action.run();
        done = true;
        steps.clear();
        guard.remove(onSignal);
    }

    private synchronized void abortFromSignal() {
        if (!done) {
            aborted = true;
            runSteps();
        }
    }

    @Override
    public synchronized void close() {
        guard.remove(onSignal);
        if (!done) {
            done = true;
            runSteps();
        }
    }

    private void runSteps() {
        while (!steps.isEmpty()) {
            try {
                steps.pop().undo();
            } catch (IOException | RuntimeException e) {
                warnings.println("volport: cleanup failed: " + e.getMessage());
            }
        }
    }
}
