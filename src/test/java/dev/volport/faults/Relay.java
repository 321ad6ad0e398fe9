package dev.volport.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A pipe between an exporter and an importer that lets the test kill the exporter mid-stream: a perl program that
 * passes the first N bytes on, creates a marker file, waits until the test creates a "go" file (after killing the
 * exporter), and then passes on whatever is left in the pipe until end of file — so the importer sees exactly the
 * stream a killed exporter leaves behind.
 */
final class Relay {
    private static final String SCRIPT = """
            use strict; use warnings;
            my ($n, $marker, $go) = @ARGV;
            binmode STDIN; binmode STDOUT;
            my $passed = 0; my $marked = 0;
            while (1) {
                if (!$marked && $passed >= $n) {
                    open(my $m, '>', $marker) or die; close $m; $marked = 1;
                    select(undef, undef, undef, 0.01) until -e $go;
                }
                my $want = $marked ? 1048576 : ($n - $passed < 65536 ? $n - $passed : 65536);
                $want = 1 if $want < 1;
                my $got = sysread(STDIN, my $buf, $want);
                last unless $got;
                my $off = 0;
                while ($off < $got) {
                    my $w = syswrite(STDOUT, $buf, $got - $off, $off);
                    exit 0 unless defined $w;
                    $off += $w;
                }
                $passed += $got;
            }
            if (!$marked) { open(my $m, '>', $marker) or die; close $m; }
            """;

    private Relay() {
    }

    static Path install(Path dir) throws IOException {
        Path p = dir.resolve("relay.pl");
        Files.writeString(p, SCRIPT);
        return p;
    }
}
