package dev.volport.os;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs registered undo actions when the JVM is stopped by SIGINT or SIGTERM (through a shutdown hook), so an
 * interrupted import removes its staging object. Actions unregister themselves when the work commits or undoes
 * itself normally. One instance is created by {@code main} and handed to whoever needs it.
 */
public final class ShutdownGuard {
    private final Set<Runnable> actions = new LinkedHashSet<>();
    private final Consumer<String> warnings;
    private boolean installed;

    /** A guard that reports a failed action to {@code warnings} (one line, starting with {@code volport: }). */
    public ShutdownGuard(Consumer<String> warnings) {
        this.warnings = Objects.requireNonNull(warnings, "warnings");
    }

    /** A guard that reports a failed action to the {@code dev.volport} system logger. */
    public ShutdownGuard() {
        this(line -> System.getLogger("dev.volport").log(System.Logger.Level.WARNING, line));
    }

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
                warnings.accept("volport: cleanup on exit failed: " + e.getMessage());
            }
        }
    }
}
