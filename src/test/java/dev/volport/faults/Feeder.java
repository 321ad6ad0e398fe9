package dev.volport.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stream source that stops part-way: a small perl program that writes the first N bytes of a file to its stdout (a
 * pipe into the importer), waits until the importer has read all of them ({@code FIONREAD} on the pipe reaches 0),
 * creates a marker file and then waits to be killed. The test kills the importer once the marker exists, so the kill
 * falls after the importer has taken N bytes, whatever the pipe's size.
 */
final class Feeder {
    private static final String SCRIPT = """
            use strict; use warnings;
            my ($file, $n, $marker) = @ARGV;
            open(my $in, '<:raw', $file) or die "feeder: $file: $!";
            binmode STDOUT;
            my $left = $n;
            while ($left > 0) {
                my $got = read($in, my $buf, $left > 1048576 ? 1048576 : $left);
                die "feeder: short file" unless $got;
                my $off = 0;
                while ($off < $got) {
                    my $w = syswrite(STDOUT, $buf, $got - $off, $off);
                    exit 0 unless defined $w;
                    $off += $w;
                }
                $left -= $got;
            }
            for (1 .. 12000) {              # FIONREAD (0x541B): bytes still in the pipe
                my $q = pack('L', 0);
                last unless ioctl(STDOUT, 0x541B, $q);
                last if unpack('L', $q) == 0;
                select(undef, undef, undef, 0.005);
            }
            open(my $m, '>', $marker) or die; close $m;
            sleep 600;
            """;

    private Feeder() {
    }

    /** Writes the program to {@code dir} and returns its path. */
    static Path install(Path dir) throws IOException {
        Path p = dir.resolve("feeder.pl");
        Files.writeString(p, SCRIPT);
        return p;
    }
}
