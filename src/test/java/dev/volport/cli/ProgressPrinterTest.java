package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link ProgressPrinter} on a clock the test moves: what each style prints, and when. */
class ProgressPrinterTest {
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(buf, true, StandardCharsets.UTF_8);
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);

    private String out() {
        return buf.toString(StandardCharsets.UTF_8);
    }

    private void seconds(double s) {
        clock.addAndGet((long) (s * 1e9));
    }

    @Test
    void aNestedStartKeepsTheOuterLabelAndPrintsOneFinalLine() {
        ProgressPrinter p = new ProgressPrinter(err, ProgressPrinter.Style.PLAIN, clock::get);
        p.start("export local:100/subvol-100-disk-0.subvol", -1);
        p.start("writing tar of /var/lib/vz/images/100/subvol-100-disk-0.subvol", -1);
        seconds(4);
        p.advance(10 << 20);
        p.finish();
        p.finish();
        assertThat(out().lines()).containsExactly(
                "export local:100/subvol-100-disk-0.subvol: 10.0 MiB, 2.5 MiB/s, 4 s elapsed",
                "export local:100/subvol-100-disk-0.subvol: 10.0 MiB, 2.5 MiB/s, 4 s elapsed");
    }

    @Test
    void barWithATotalShowsPercentAndEtaAndWithoutOneOnlyWhatIsKnown() {
        ProgressPrinter known = new ProgressPrinter(err, ProgressPrinter.Style.BAR, clock::get);
        known.start("import local:100/vm-100-disk-0.raw", 40L << 20);
        seconds(1);
        known.advance(10 << 20);
        assertThat(out()).isEqualTo("\rimport local:100/vm-100-disk-0.raw [#######                       ] 25.0%"
                + " 10.0 MiB/s ETA 0:03   ");
        buf.reset();
        ProgressPrinter unknown = new ProgressPrinter(err, ProgressPrinter.Style.BAR, clock::get);
        unknown.start("import local:100/subvol-100-disk-0.subvol", -1);
        seconds(2);
        unknown.advance(3 << 20);
        unknown.finish();
        assertThat(out()).isEqualTo("\rimport local:100/subvol-100-disk-0.subvol 3.0 MiB 1.5 MiB/s 0:02   "
                + "\rimport local:100/subvol-100-disk-0.subvol 3.0 MiB 1.5 MiB/s 0:02   " + System.lineSeparator());
    }

    @Test
    void jsonEndsWithDoneOnSuccessOrAnErrorRecordOnFailureNeverBoth() {
        ProgressPrinter ok = new ProgressPrinter(err, ProgressPrinter.Style.JSON, clock::get);
        ok.start("export a:1/vm-1-disk-0.raw", 100);
        ok.advance(100);
        seconds(0.5);
        ok.finish();
        assertThat(out()).isEmpty();
        ok.succeeded();
        ok.failed("late");
        assertThat(out().lines()).containsExactly("{\"op\":\"export a:1/vm-1-disk-0.raw\",\"bytes\":100,\"total\":100,"
                + "\"seconds\":0.500,\"rate_bps\":200,\"done\":true}");
        buf.reset();
        ProgressPrinter bad = new ProgressPrinter(err, ProgressPrinter.Style.JSON, clock::get);
        bad.start("import a:1/vm-1-disk-0.raw", -1);
        seconds(1);
        bad.advance(7);
        bad.finish();
        bad.failed("import into a:1/vm-1-disk-0.raw failed: \"quoted\"");
        bad.succeeded();
        assertThat(out().lines()).containsExactly("{\"error\":\"import into a:1/vm-1-disk-0.raw failed: \\\"quoted\\\"\","
                + "\"op\":\"import a:1/vm-1-disk-0.raw\",\"bytes\":7,\"total\":null,\"seconds\":1.000,\"rate_bps\":7,"
                + "\"done\":false}");
    }
}
