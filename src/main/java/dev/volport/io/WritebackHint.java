package dev.volport.io;

import java.io.IOException;

/**
 * Told of every range a writer has written, in order, so its caller can start writing the range to disk early
 * ({@code sync_file_range}) and the final flush has less left to wait for.
 */
@FunctionalInterface
public interface WritebackHint {
    /** Ignores every range. */
    WritebackHint NONE = (offset, length) -> { };

    /** Bytes {@code [offset, offset + length)} of the output were written. */
    void written(long offset, long length) throws IOException;
}
