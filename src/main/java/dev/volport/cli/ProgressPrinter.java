package dev.volport.cli;

import dev.volport.io.Progress;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Progress of a transfer on stderr: a live bar redrawn in place on a terminal, a plain line every few seconds
 * otherwise (first after 3 s, like the reference's migration log), or one JSON object per line. The copy loop
 * calls {@link #advance} per buffer; only the clock decides when to print.
 *
 * <p>What is unknown is not printed: a stream of unknown length (tar) shows bytes, rate and elapsed time, no
 * total, percentage or ETA. Only the outermost {@link #start}/{@link #finish} pair counts, so a callee that
 * starts again by mistake can neither rename the operation nor print a second final line.
 *
 * <p>The last line says how the command ended, which only the command line knows: a JSON stream ends with
 * {@code "done":true} when {@link #succeeded} is called and with an {@code "error"} record when {@link #failed}
 * is, never both; bar and plain lines end at {@link #finish}.
 */
final class ProgressPrinter implements Progress {
    enum Style { BAR, PLAIN, JSON }

    private static final long BAR_INTERVAL_NS = 200_000_000L;
    private static final long PLAIN_INTERVAL_NS = 3_000_000_000L;
    private static final int BAR_WIDTH = 30;

    private final PrintStream err;
    private final Style style;
    private final LongSupplier clock;
    private String what = "";
    private long total = -1;
    private long done;
    private long startNs;
    private long lastNs;
    private long endNs = -1;
    /** Open {@link #start} calls; only the outermost pair is acted on. */
    private int depth;
    private boolean started;
    /** A bar frame or plain line was printed for the current operation. */
    private boolean printed;
    /** A bar frame is on the terminal without its newline. */
    private boolean lineOpen;
    /** The JSON stream has its last record. */
    private boolean ended;

    ProgressPrinter(PrintStream err, Style style) {
        this(err, style, System::nanoTime);
    }

    ProgressPrinter(PrintStream err, Style style, LongSupplier clock) {
        this.err = err;
        this.style = style;
        this.clock = clock;
    }

    @Override
    public void start(String what, long totalBytes) {
        if (depth++ > 0) {
            return;
        }
        this.what = what;
        this.total = totalBytes;
        this.done = 0;
        this.startNs = clock.getAsLong();
        this.lastNs = startNs;
        this.endNs = -1;
        this.started = true;
        this.printed = false;
        this.ended = false;
    }

    @Override
    public void advance(long bytes) {
        done += bytes;
        long now = clock.getAsLong();
        if (now - lastNs >= (style == Style.BAR ? BAR_INTERVAL_NS : PLAIN_INTERVAL_NS)) {
            lastNs = now;
            print(now, false);
        }
    }

    @Override
    public void finish() {
        if (depth == 0 || --depth > 0) {
            return;
        }
        endNs = clock.getAsLong();
        if (printed && style != Style.JSON) {
            print(endNs, true);
        }
    }

    /** The command succeeded: a JSON stream gets its {@code "done":true} record. */
    void succeeded() {
        if (style == Style.JSON && started && !ended) {
            ended = true;
            err.println(Json.write(record(now(), true)));
            err.flush();
        }
    }

    /**
     * The command failed with {@code message} (printed by the caller right after): a JSON stream ends with an error
     * record, and a bar still on its line gets its newline so that the message starts a line of its own.
     */
    void failed(String message) {
        if (style == Style.JSON && !ended) {
            ended = true;
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("error", message);
            r.putAll(record(now(), false));
            err.println(Json.write(r));
            err.flush();
        } else if (lineOpen) {
            err.println();
            lineOpen = false;
            err.flush();
        }
    }

    private long now() {
        return endNs >= 0 ? endNs : clock.getAsLong();
    }

    private void print(long now, boolean last) {
        printed = true;
        switch (style) {
            case JSON -> err.println(Json.write(record(now, false)));
            case PLAIN -> err.println(plainLine(now, last));
            case BAR -> {
                err.print("\r" + barLine(now, last) + "   ");
                lineOpen = !last;
                if (last) {
                    err.println();
                }
            }
        }
        err.flush();
    }

    private Map<String, Object> record(long now, boolean last) {
        double secs = seconds(now);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("op", started ? what : null);
        r.put("bytes", done);
        r.put("total", total >= 0 ? total : null);
        r.put("seconds", BigDecimal.valueOf(Math.round(secs * 1000), 3));
        r.put("rate_bps", Math.round(done / secs));
        r.put("done", last);
        return r;
    }

    /** {@code import V: 310.2 MiB of 1.0 GiB (30.3%), 12.4 MiB/s, 25 s elapsed, ETA 0:56}, unknowns left out. */
    String plainLine(long now, boolean last) {
        double secs = seconds(now);
        StringBuilder sb = new StringBuilder(what).append(": ").append(bytes(done));
        if (total >= 0) {
            sb.append(" of ").append(bytes(total));
            percent().ifPresent(p -> sb.append(" (").append(p).append(')'));
        }
        sb.append(", ").append(bytes(Math.round(done / secs))).append("/s");
        sb.append(String.format(Locale.ROOT, ", %.0f s elapsed", secs));
        eta(secs, last).ifPresent(e -> sb.append(", ETA ").append(e));
        return sb.toString();
    }

    /** {@code import V [#####     ] 30.3% 12.4 MiB/s ETA 0:56}; without a total: bytes, rate and elapsed time. */
    String barLine(long now, boolean last) {
        double secs = seconds(now);
        String rate = bytes(Math.round(done / secs)) + "/s";
        if (total <= 0) {
            return what + " " + bytes(done) + " " + rate + " " + duration(secs);
        }
        int fill = (int) Math.min(BAR_WIDTH, done * BAR_WIDTH / total);
        return what + " [" + "#".repeat(fill) + " ".repeat(BAR_WIDTH - fill) + "] " + percent().orElseThrow()
                + " " + rate + eta(secs, last).map(e -> " ETA " + e).orElse("");
    }

    /** Seconds since {@link #start}; a tiny positive number before it, so that rates stay finite (and 0). */
    private double seconds(long now) {
        return started ? Math.max(1e-9, (now - startNs) / 1e9) : 1e-9;
    }

    private Optional<String> percent() {
        return total > 0 ? Optional.of(String.format(Locale.ROOT, "%.1f%%", 100.0 * done / total))
                : Optional.empty();
    }

    private Optional<String> eta(double secs, boolean last) {
        double rate = done / secs;
        if (last || total <= 0 || rate <= 0 || done >= total) {
            return Optional.empty();
        }
        return Optional.of(duration((total - done) / rate));
    }

    static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? n + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    private static String duration(double seconds) {
        long s = (long) Math.ceil(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
