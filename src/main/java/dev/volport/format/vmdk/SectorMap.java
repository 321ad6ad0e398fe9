package dev.volport.format.vmdk;

import dev.volport.format.FormatException;

/**
 * Which units (sectors, or grain slots) of a file are taken, to find two structures that claim the same bytes. One
 * bit per unit, in 512 KiB pages allocated on first use, so the cost follows the units actually marked.
 */
final class SectorMap {
    private static final int PAGE_BITS = 22;
    private static final long PAGE_MASK = (1L << PAGE_BITS) - 1;
    private final long[][] pages;

    /** A map of {@code units} units. */
    SectorMap(long units) {
        pages = new long[Math.toIntExact(Math.max(1, (units + PAGE_MASK) >>> PAGE_BITS))][];
    }

    /**
     * Marks units {@code [start, start + count)} as taken by {@code what}.
     *
     * @throws FormatException when one of them is taken already
     */
    void mark(long start, long count, String what) throws FormatException {
        for (long u = start; u < start + count; u++) {
            int page = (int) (u >>> PAGE_BITS);
            if (pages[page] == null) {
                pages[page] = new long[1 << (PAGE_BITS - 6)];
            }
            int bit = (int) (u & PAGE_MASK);
            long mask = 1L << (bit & 63);
            if ((pages[page][bit >>> 6] & mask) != 0) {
                throw new FormatException(what + " overlaps another grain or table (at unit " + u + ")");
            }
            pages[page][bit >>> 6] |= mask;
        }
    }
}
