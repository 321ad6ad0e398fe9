package dev.volport.io;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Writes into a file that bypass the page cache ({@code O_DIRECT}), beside the file's ordinary channel. On a busy
 * host the page cache is where an import spends its system time: measured here, 4 GiB arriving over ssh into ext4
 * cost {@code dd} 13 s of system time written through the page cache and 1.4 s with {@code O_DIRECT}, with the ssh
 * processes on the same two cores. It also leaves the host's cache to the guests instead of filling it with a disk
 * nobody reads soon.
 *
 * <p>Every write is whole blocks: the memory address, the file offset and the length are multiples of
 * {@link #ALIGN}. What is not aligned goes through the ordinary channel; the kernel keeps the two coherent.
 */
public interface DirectOutput extends AutoCloseable {
    /** Alignment of address, offset and length: the largest logical block size in common use. */
    int ALIGN = 4096;

    /**
     * Writes all of {@code block} at {@code offset}, or fails.
     *
     * @throws IOException carrying the system's reason (e.g. "No space left on device")
     */
    void write(MemorySegment block, long offset) throws IOException;

    @Override
    void close();
}
