package dev.volport.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@link Feeder} for a receiver that listens on a socket ({@code volport import … tcp://IP} or {@code unix://PATH}):
 * a perl program that connects (to {@code tcp:HOST:PORT} or {@code unix:PATH}), writes the first N bytes of a file,
 * waits until the kernel has handed them all to the receiver's side ({@code TIOCOUTQ} on the socket reaches 0),
 * creates a marker file and waits to be killed.
 */
final class SocketFeeder {
    private static final String SCRIPT = """
            use strict; use warnings; use IO::Socket::INET; use IO::Socket::UNIX;
            my ($to, $file, $n, $marker) = @ARGV;
            my $s;
            if ($to =~ /^tcp:(.*):(\\d+)$/) {
                $s = IO::Socket::INET->new(PeerAddr => $1, PeerPort => $2, Proto => 'tcp') or die "feeder: $to: $!";
            } elsif ($to =~ /^unix:(.*)$/) {
                $s = IO::Socket::UNIX->new(Peer => $1, Type => SOCK_STREAM) or die "feeder: $to: $!";
            } else { die "feeder: $to?" }
            open(my $in, '<:raw', $file) or die "feeder: $file: $!";
            my $left = $n;
            while ($left > 0) {
                my $got = read($in, my $buf, $left > 1048576 ? 1048576 : $left);
                die "feeder: short file" unless $got;
                my $off = 0;
                while ($off < $got) {
                    my $w = syswrite($s, $buf, $got - $off, $off);
                    exit 0 unless defined $w;
                    $off += $w;
                }
                $left -= $got;
            }
            for (1 .. 12000) {              # TIOCOUTQ (0x5411): bytes not yet taken by the other side
                my $q = pack('L', 0);
                last unless ioctl($s, 0x5411, $q);
                last if unpack('L', $q) == 0;
                select(undef, undef, undef, 0.005);
            }
            open(my $m, '>', $marker) or die; close $m;
            sleep 600;
            """;

    private SocketFeeder() {
    }

    static Path install(Path dir) throws IOException {
        Path p = dir.resolve("socket-feeder.pl");
        Files.writeString(p, SCRIPT);
        return p;
    }
}
