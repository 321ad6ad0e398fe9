package dev.volport.io;

/**
 * Receives the progress of one long operation. Implementations must be cheap: {@link #advance} is called from
 * the copy loop (at most once per buffer).
 *
 * <p>Who calls what: the code that owns the operation (a storage's export or import) calls {@link #start} once,
 * with the name the user knows (the volume id, never a host or staging path), and {@link #finish} once, in a
 * {@code finally}. Code it hands the listener to (format readers, writers, tar) only calls {@link #advance}.
 * Whether the operation succeeded is not this interface's business: the caller reports that on its own channel.
 */
public interface Progress {
    /** A listener that ignores everything. */
    Progress NONE = new Progress() {
        @Override
        public void start(String what, long totalBytes) {
        }

        @Override
        public void advance(long bytes) {
        }

        @Override
        public void finish() {
        }
    };

    /** A new operation named {@code what}; {@code totalBytes} is -1 when unknown. Called once per operation. */
    void start(String what, long totalBytes);

    /** {@code bytes} more were moved. */
    void advance(long bytes);

    /** The operation ended (successfully or not). Called once, after {@link #start}. */
    void finish();
}
