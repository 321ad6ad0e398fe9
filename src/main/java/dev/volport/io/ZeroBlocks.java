package dev.volport.io;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Finds all-zero blocks quickly: {@link MemorySegment#mismatch} against a shared zero segment, which the JIT
 * turns into vectorised compares.
 */
public final class ZeroBlocks {
    /** The largest span one call may check. */
    public static final int MAX_SPAN = 1 << 20;
    private static final MemorySegment ZEROS = Arena.global().allocate(MAX_SPAN, 64);

    private ZeroBlocks() {
    }

    /** Whether {@code length} bytes of {@code seg} from {@code offset} are all zero ({@code length <= MAX_SPAN}). */
    public static boolean isZero(MemorySegment seg, long offset, long length) {
        if (length > MAX_SPAN) {
            throw new IllegalArgumentException("span too long: " + length);
        }
        return MemorySegment.mismatch(seg, offset, offset + length, ZEROS, 0, length) == -1;
    }
}
