package dev.volport.io;

/**
 * Receives the progress of one long operation. Implementations must be cheap: {@link #advance} is called from
 * the copy loop (at most once per buffer).
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

    /** A new operation; {@code totalBytes} is -1 when unknown. */
    void start(String what, long totalBytes);

    /** {@code bytes} more were moved. */
    void advance(long bytes);

    /** The operation ended (successfully or not). */
    void finish();
}
