package dev.volport.format.vmdk;

import dev.volport.format.FormatException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates one compressed grain into a buffer of exactly one grain: output beyond the grain, a stream that ends
 * early, and bytes after the zlib stream inside the marker's size are all errors. One instance per reader; the
 * buffers are its only allocation.
 */
final class GrainCodec implements AutoCloseable {
    private final Inflater inflater = new Inflater();
    private final ByteBuffer out;
    private final ByteBuffer probe = ByteBuffer.allocate(1);

    GrainCodec(long grainBytes) {
        out = ByteBuffer.allocateDirect(Math.toIntExact(grainBytes));
    }

    /**
     * Inflates {@code compressed} (all its remaining bytes).
     *
     * @param needed bytes of guest data this grain must yield at least (less than a grain only for the last one)
     * @param where the file and sector, for messages
     * @return a buffer of {@code needed} bytes, valid until the next call
     */
    ByteBuffer inflate(ByteBuffer compressed, int needed, String where) throws FormatException {
        return inflate(compressed, needed, where, null);
    }

    /**
     * As {@link #inflate(ByteBuffer, int, String)}, into {@code into} (exactly one grain of room, from its
     * position 0) instead of this codec's own buffer when it is not null.
     */
    ByteBuffer inflate(ByteBuffer compressed, int needed, String where, ByteBuffer into) throws FormatException {
        ByteBuffer out = into == null ? this.out : into;
        if (out.capacity() != this.out.capacity()) {
            throw new IllegalArgumentException("output buffer of " + out.capacity() + " bytes, not one grain");
        }
        inflater.reset();
        inflater.setInput(compressed);
        out.clear();
        try {
            while (out.hasRemaining() && !inflater.finished()) {
                if (inflater.inflate(out) == 0 && !inflater.finished()) {
                    stalled(where);
                }
            }
            if (!inflater.finished()) {
                probe.clear();
                if (inflater.inflate(probe) > 0) {
                    throw new FormatException("VMDK compressed grain at " + where + " inflates to more than one"
                            + " grain (" + out.capacity() + " bytes)");
                }
                if (!inflater.finished()) {
                    stalled(where);
                }
            }
        } catch (DataFormatException e) {
            throw new FormatException("VMDK compressed grain at " + where + " is not valid zlib data: "
                    + e.getMessage(), e);
        }
        if (inflater.getRemaining() > 0) {
            throw new FormatException("VMDK compressed grain at " + where + " has " + inflater.getRemaining()
                    + " bytes after the end of its zlib stream");
        }
        if (out.position() < needed) {
            throw new FormatException("VMDK compressed grain at " + where + " inflates to " + out.position()
                    + " bytes, expected " + needed);
        }
        return out.flip().limit(needed);
    }

    private void stalled(String where) throws FormatException {
        if (inflater.needsDictionary()) {
            throw new FormatException("VMDK compressed grain at " + where + " asks for a preset dictionary");
        }
        throw new FormatException("VMDK compressed grain at " + where + " ends before its zlib stream does");
    }

    @Override
    public void close() {
        inflater.end();
    }
}
