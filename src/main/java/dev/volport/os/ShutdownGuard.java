package dev.volport.os;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Runs registered undo actions when the JVM is stopped by SIGINT or SIGTERM (through a shutdown hook), so an
 * interrupted import removes its staging object. Actions unregister themselves when the work commits or undoes
 * itself normally. One instance is created by {@code main} and handed to whoever needs it.
 */
public final class ShutdownGuard {
    private final Set<Runnable> actions = new LinkedHashSet<>();
    private boolean installed;

    /** Installs the JVM shutdown hook (once). */
    public synchronized ShutdownGuard install() {
        if (!installed) {
            Runtime.getRuntime().addShutdownHook(new Thread(this::runAll, "volport-shutdown"));
            installed = true;
        }
        return this;
    }

    /** Registers {@code action} to run if the process is stopped before {@link #remove} is called. */
    public synchronized void add(Runnable action) {
        actions.add(action);
    }

    public synchronized void remove(Runnable action) {
        actions.remove(action);
    }

    private void runAll() {
        List<Runnable> todo;
        synchronized (this) {
            todo = new ArrayList<>(actions);
            actions.clear();
        }
        for (Runnable r : todo.reversed()) {
            try {
                r.run();
            } catch (RuntimeException e) {
                System.err.println("volport: cleanup on exit failed: " + e.getMessage());
            }
        }
    }
}
