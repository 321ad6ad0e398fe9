package dev.volport.os;

/**
 * A thread whose waits for a lock ({@link Linux#lockWaiting}) end when it is {@linkplain #cancel cancelled},
 * without {@link Thread#interrupt}: an interrupt would also close every interruptible channel the thread uses,
 * and a transfer's side threads are stopped by closing their pipe instead. A wait that ends this way fails with
 * an {@link java.io.InterruptedIOException}. An interrupt still ends such a wait too, on any thread.
 */
public final class CancellableThread extends Thread {
    private volatile boolean cancelled;

    /** An unstarted platform thread named {@code name} that runs {@code task}. */
    public CancellableThread(String name, Runnable task) {
        super(task, name);
    }

    /** Ends the lock wait this thread is in, or its next one; cannot be undone. */
    public void cancel() {
        cancelled = true;
    }

    /** Whether the current thread should stop waiting: it was interrupted, or cancelled as a {@code CancellableThread}. */
    public static boolean currentStopped() {
        Thread t = Thread.currentThread();
        return t.isInterrupted() || t instanceof CancellableThread c && c.cancelled;
    }
}
