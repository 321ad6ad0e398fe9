package dev.volport.faults;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The suite's table: one row per fault and import path, appended to {@code target/faults/report.tsv} as each case
 * ends, so that {@code scripts/faults} (and {@code scripts/test}) can print it after the run. {@code dataLost} counts
 * trials after which something that existed before was changed or lost, or a volume was visible under the target name
 * with content other than the source's; it must be 0, and the tests assert that as well.
 */
final class FaultReport {
    static final Path FILE = Sh.HOME.resolve("target/faults/report.tsv");

    record Row(String fault, String path, int trials, int survived, int leftoversCleaned, int dataLost,
               long peakRssKiB) {
        String tsv() {
            return String.join("\t", fault, path, Integer.toString(trials), Integer.toString(survived),
                    Integer.toString(leftoversCleaned), Integer.toString(dataLost),
                    peakRssKiB > 0 ? (peakRssKiB / 1024) + " MiB" : "-") + "\n";
        }
    }

    private FaultReport() {
    }

    static synchronized void add(Row row) throws IOException {
        Files.createDirectories(FILE.getParent());
        if (!Files.exists(FILE)) {
            Files.writeString(FILE, "fault\tpath\ttrials\tsurvived\tleftovers cleaned\tdata lost\tpeak RSS\n",
                    StandardCharsets.UTF_8);
        }
        Files.writeString(FILE, row.tsv(), StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
