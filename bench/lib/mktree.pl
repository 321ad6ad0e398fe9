#!/usr/bin/perl
# mktree.pl DIR SOURCE FILES DIRS LARGE_BYTES SPARSE_BYTES: writes the deterministic tar-case tree into DIR
# (which must not exist). File contents are read in order from SOURCE (the data set's raw volume; wraps).
#   FILES small files (0 … 12 KiB, about 6 KiB on average) spread over DIRS directories (two levels),
#   3 large files of LARGE_BYTES / 3 each, 2 sparse files of SPARSE_BYTES each (64 KiB of data per MiB,
#   the rest holes), 1 % of the small files as symbolic links, 10 hard links; varied modes and owners;
#   every mtime fixed (whole seconds), so the tree and its dump are the same on every run.
use strict; use warnings;
use Fcntl qw(SEEK_SET);
my ($dir, $source, $files, $dirs, $large, $sparse) = @ARGV;
die "usage: mktree.pl DIR SOURCE FILES DIRS LARGE_BYTES SPARSE_BYTES\n" unless defined $sparse;
die "$dir exists\n" if -e $dir;
open(my $src, '<:raw', $source) or die "$source: $!";
my $srcsize = -s $source;
sub data {  # data N: the next N bytes of SOURCE (wrapping at its end)
  my ($n) = @_; my $out = '';
  while (length($out) < $n) {
    my $got = read($src, my $buf, $n - length($out)); die "read $source: $!" unless defined $got;
    if ($got == 0) { seek($src, 0, SEEK_SET) or die; next }
    $out .= $buf;
  }
  return $out;
}
sub put { my ($path, $bytes) = @_; open(my $f, '>:raw', $path) or die "$path: $!"; print $f $bytes or die; close($f) or die "$path: $!" }
my $t0 = 1700000000;
mkdir $dir or die "$dir: $!";
my $top = int(sqrt($dirs)) || 1;
my @d;
for my $i (0 .. $dirs - 1) {
  my $p = sprintf('%s/d%03d', $dir, $i % $top);
  mkdir $p unless -d $p;
  $p .= sprintf('/s%04d', $i);
  mkdir $p or die "$p: $!";
  push @d, $p;
}
my @modes = (0644, 0644, 0644, 0600, 0755, 0640, 0444);
my @owners = ([0, 0], [0, 0], [0, 0], [1000, 1000], [100000, 100000], [33, 33], [0, 100]);
my @regular;
for my $i (0 .. $files - 1) {
  my $p = sprintf('%s/f%05d', $d[$i % $dirs], $i);
  if ($i % 100 == 99) { symlink(sprintf('../../d%03d/target-%d', $i % 7, $i), $p) or die "$p: $!"; next }
  put($p, data(($i * 2654435761) % 12289));
  push @regular, $p;
  chown(@{ $owners[$i % 7] }, $p) or die; chmod($modes[$i % 7], $p) or die;
  utime($t0 + $i, $t0 + $i, $p) or die;
}
for my $k (0 .. 9) { my $p = "$dir/hardlink-$k"; link($regular[$k * 37], $p) or die "$p: $!" }
mkdir "$dir/big" or die; mkdir "$dir/sparse" or die;
for my $k (0 .. 2) {
  my $p = "$dir/big/large-$k.bin"; my $left = int($large / 3);
  open(my $f, '>:raw', $p) or die "$p: $!";
  while ($left > 0) { my $n = $left < 4194304 ? $left : 4194304; print $f data($n) or die; $left -= $n }
  close($f) or die; utime($t0 - $k, $t0 - $k, $p) or die;
}
for my $k (0 .. 1) {
  my $p = "$dir/sparse/sparse-$k.img";
  open(my $f, '>:raw', $p) or die "$p: $!";
  for (my $off = ($k + 1) * 65536; $off + 65536 <= $sparse; $off += 1048576) { seek($f, $off, SEEK_SET) or die; print $f data(65536) or die }
  truncate($f, $sparse) or die; close($f) or die; utime($t0 - 10 - $k, $t0 - 10 - $k, $p) or die;
}
# Directory times last (children first), so that creating entries does not move them again.
my @all = ("$dir/big", "$dir/sparse", reverse(@d), (map { sprintf('%s/d%03d', $dir, $_) } 0 .. $top - 1), $dir);
my %seen; for my $p (@all) { next if $seen{$p}++; utime($t0 - 100, $t0 - 100, $p) or die "$p: $!" }
chmod(0755, $dir) or die;
