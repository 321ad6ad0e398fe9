package dev.volport.os;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Keeps the end of what a command writes on stderr, in bounded memory: the last {@link #DEFAULT_BYTES} bytes in a
 * ring, from which {@link #lines()} gives at most the last {@link #DEFAULT_LINES} non-blank lines. A tool that
 * floods stderr (100 MiB of warnings) costs time to drain but no memory, and never blocks on a full pipe because
 * the reader keeps reading. Thread-safe: one thread feeds it while another reads the lines.
 */
public final class StderrTail {
    /** Lines kept: enough for a tool's error and its context, short enough for one message line. */
    public static final int DEFAULT_LINES = 20;
    /** Bytes kept. */
    public static final int DEFAULT_BYTES = 8192;

    /** One byte more than shown: the byte before the window tells whether its first line is whole. */
    private final byte[] ring;
    private final int maxLines;
    private long total;

    public StderrTail() {
        this(DEFAULT_LINES, DEFAULT_BYTES);
    }

    public StderrTail(int maxLines, int maxBytes) {
        if (maxLines < 1 || maxBytes < 1) {
            throw new IllegalArgumentException("stderr tail needs at least one line and one byte");
        }
        this.maxLines = maxLines;
        this.ring = new byte[maxBytes + 1];
    }

    /** The tail of {@code text} as {@link #lines()} would give it, for fakes that answer with canned stderr. */
    public static List<String> of(String text) {
        StderrTail t = new StderrTail();
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        t.accept(b, 0, b.length);
        return t.lines();
    }

    /** Appends {@code len} bytes; only the last ring-full of them is copied. */
    public synchronized void accept(byte[] b, int off, int len) {
        int skip = Math.max(0, len - ring.length);
        total += skip;
        off += skip;
        len -= skip;
        while (len > 0) {
            int pos = (int) (total % ring.length);
            int n = Math.min(len, ring.length - pos);
            System.arraycopy(b, off, ring, pos, n);
            total += n;
            off += n;
            len -= n;
        }
    }

    /** Reads {@code in} to its end into this tail; an I/O error ends the reading (the command's exit tells more). */
    void drain(InputStream in) {
        drain(in, null);
    }

    /** Longest line handed to a line listener; the rest of a longer line is dropped (the tail still has its end). */
    static final int MAX_LINE_BYTES = 4096;

    /**
     * As {@link #drain(InputStream)}, also handing every complete non-blank line, cleaned as in {@link #lines()},
     * to {@code lineListener} as it arrives (null: none); a last line without newline is handed over at the end.
     */
    void drain(InputStream in, Consumer<String> lineListener) {
        byte[] buf = new byte[1 << 16];
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try (in) {
            for (int n; (n = in.read(buf)) >= 0; ) {
                accept(buf, 0, n);
                if (lineListener == null) {
                    continue;
                }
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        appendBounded(line, buf, start, i - start);
                        emit(line, lineListener);
                        start = i + 1;
                    }
                }
                appendBounded(line, buf, start, n - start);
            }
        } catch (IOException e) {
            // The pipe closed under the reader (the command was killed and the stream closed): what was read stays.
        }
        if (lineListener != null) {
            emit(line, lineListener);
        }
    }

    private static void appendBounded(ByteArrayOutputStream line, byte[] b, int off, int len) {
        line.write(b, off, Math.max(0, Math.min(len, MAX_LINE_BYTES - line.size())));
    }

    private static void emit(ByteArrayOutputStream line, Consumer<String> listener) {
        String text = clean(line.toString(StandardCharsets.UTF_8));
        line.reset();
        if (!text.isEmpty()) {
            try {
                listener.accept(text);
            } catch (RuntimeException e) {
                // a listener's failure must not stop the draining, or the tool would block on a full pipe
            }
        }
    }

    /** Bytes received so far, kept or not. */
    public synchronized long bytesSeen() {
        return total;
    }

    /** Bytes this tail holds in memory, whatever it has received. */
    public int capacity() {
        return ring.length;
    }

    /**
     * The last lines, oldest first: decoded as UTF-8, control characters turned into spaces, trailing blanks
     * trimmed, blank lines dropped. A first line cut by the ring starts with {@code "…"}.
     */
    public synchronized List<String> lines() {
        int shown = ring.length - 1;
        byte[] window;
        boolean cut;
        if (total <= shown) {
            window = Arrays.copyOf(ring, (int) total);
            cut = false;
        } else {
            window = new byte[shown];
            int start = (int) ((total - shown) % ring.length);
            for (int i = 0; i < shown; i++) {
                window[i] = ring[(start + i) % ring.length];
            }
            cut = ring[(start + ring.length - 1) % ring.length] != '\n';
        }
        String[] parts = new String(window, StandardCharsets.UTF_8).split("\n", -1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String line = clean(parts[i]);
            if (!line.isEmpty()) {
                lines.add(i == 0 && cut ? "…" + line : line);
            }
        }
        return List.copyOf(lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
    }

    private static String clean(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 0x20 || c == 0x7f || c >= 0x80 && c < 0xa0 ? ' ' : c);
        }
        return b.toString().strip();
    }
}
