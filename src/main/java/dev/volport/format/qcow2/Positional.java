package dev.volport.format.qcow2;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** Positional reads that must be complete: a short read means the file ended early. */
final class Positional {
    private Positional() {
    }

    /**
     * Fills {@code buf} from {@code file} at {@code offset}.
     *
     * @throws FormatException naming {@code where} when the file ends first
     */
    static void readFully(FileChannel file, ByteBuffer buf, long offset, String where) throws IOException {
        long at = offset;
        while (buf.hasRemaining()) {
            int n = file.read(buf, at);
            if (n < 0) {
                throw new FormatException(where + ": file ends at " + at + " before " + buf.remaining()
                        + " more bytes");
            }
            at += n;
        }
    }
}
