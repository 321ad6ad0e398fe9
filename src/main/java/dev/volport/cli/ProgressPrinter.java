package dev.volport.cli;

import dev.volport.io.Progress;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress of a transfer on stderr: a live bar redrawn in place on a terminal, a plain line every few seconds
 * otherwise (first after 3 s, like the reference's migration log), or one JSON object per line. The copy loop
 * calls {@link #advance} per buffer; only the clock decides when to print.
 */
final class ProgressPrinter implements Progress {
    enum Style { BAR, PLAIN, JSON }

    private static final long BAR_INTERVAL_NS = 200_000_000L;
    private static final long PLAIN_INTERVAL_NS = 3_000_000_000L;

    private final PrintStream err;
    private final Style style;
    private String what = "";
    private long total = -1;
    private long done;
    private long startNs;
    private long lastNs;
    private boolean printed;

    ProgressPrinter(PrintStream err, Style style) {
        this.err = err;
        this.style = style;
    }

    @Override
    public void start(String what, long totalBytes) {
        this.what = what;
        this.total = totalBytes;
        this.done = 0;
        this.startNs = System.nanoTime();
        this.lastNs = startNs;
        this.printed = false;
    }

    @Override
    public void advance(long bytes) {
        done += bytes;
        long now = System.nanoTime();
        if (now - lastNs >= (style == Style.BAR ? BAR_INTERVAL_NS : PLAIN_INTERVAL_NS)) {
            lastNs = now;
            print(now, false);
        }
    }

    @Override
    public void finish() {
        if (printed || style == Style.JSON) {
            print(System.nanoTime(), true);
        }
    }

    private void print(long now, boolean last) {
        printed = true;
        double secs = Math.max(1e-9, (now - startNs) / 1e9);
        double rate = done / secs;
        String eta = total > 0 && rate > 0 && done < total ? formatDuration((total - done) / rate) : "-";
        switch (style) {
            case JSON -> err.printf(Locale.ROOT,
                    "{\"op\":\"%s\",\"bytes\":%d,\"total\":%d,\"seconds\":%.3f,\"rate_bps\":%.0f,\"done\":%b}%n",
                    what.replace("\\", "\\\\").replace("\"", "\\\""), done, total, secs, rate, last);
            case PLAIN -> err.printf(Locale.ROOT, "%s: %s of %s (%s), %s/s, %.0f s elapsed, ETA %s%n", what,
                    bytes(done), total >= 0 ? bytes(total) : "?", percent(), bytes((long) rate), secs, eta);
            case BAR -> {
                int width = 30;
                int fill = total > 0 ? (int) Math.min(width, done * width / total) : 0;
                err.printf(Locale.ROOT, "\r%s [%s%s] %s %s/s ETA %s   ", what, "#".repeat(fill),
                        " ".repeat(width - fill), percent(), bytes((long) rate), eta);
                if (last) {
                    err.println();
                }
            }
        }
        err.flush();
    }

    private String percent() {
        return total > 0 ? String.format(Locale.ROOT, "%.1f%%", 100.0 * done / total) : "";
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

    private static String formatDuration(double seconds) {
        long s = (long) Math.ceil(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
