package dev.volport.migrate;

import java.io.EOFException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;

/** One-line reasons for the JDK's exceptions, in words rather than class names. */
final class Messages {
    private Messages() {
    }

    static String reason(Throwable t) {
        String m = t.getMessage();
        if (m != null && !m.isBlank()) {
            return m.strip().toLowerCase(java.util.Locale.ROOT).startsWith("connection refused")
                    ? "connection refused" : m.strip();
        }
        if (t instanceof ConnectException) {
            return "connection refused";
        }
        if (t instanceof InterruptedIOException) {
            return "interrupted";
        }
        if (t instanceof ClosedChannelException) {
            return "the connection was closed";
        }
        if (t instanceof EOFException) {
            return "the stream ended early";
        }
        if (t.getCause() != null && t.getCause() != t) {
            return reason(t.getCause());
        }
        return "an I/O error without a message";
    }
}
