package dev.volport.faults;

import static dev.volport.faults.Sh.q;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * Peak memory of whole volport processes (the launcher's fixed heap, {@code /usr/bin/time -f %M}) on a 4 GiB disk
 * with 256 MiB of data, a tree of 50,000 files in 500 directories, and hostile streams that announce more than they
 * hold (a 2^62-byte raw+size, a tar whose pax header claims 1 GiB, a qcow2 whose L1 table claims 2^28 entries). Every
 * process must stay under {@link #BOUND_MIB}: memory must not grow with the volume, the tree or what a stream claims.
 */
// Runs beside the other integration tests (pom.xml: two threads); its own lock keeps its tests in one thread.
@Execution(ExecutionMode.CONCURRENT)
@ResourceLock("volport-MemoryBoundIT")
class MemoryBoundIT {
    static final long BOUND_MIB = 200;
    static final Pattern RSS = Pattern.compile("maxrss=(\\d+)");

    static Path tmp;
    static String volport;
    static final List<String> failures = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        tmp = Files.createTempDirectory("volport-faults-mem-");
        Files.writeString(tmp.resolve("storage.cfg"), """
                dir: src
                \tpath %s
                \tcontent images,rootdir

                dir: dst
                \tpath %s
                \tcontent images,rootdir
                """.formatted(tmp.resolve("src"), tmp.resolve("dst")));
        volport = Sh.VOLPORT + " --config " + q(tmp.resolve("storage.cfg")) + " --quiet";
    }

    @AfterAll
    static void tearDown() throws Exception {
        FaultWorld.deleteTree(tmp);
    }

    /** Runs {@code script} in which {@code $T} is {@code /usr/bin/time} reporting; returns the peak RSS in KiB. */
    private static long peak(String what, String script, boolean mustSucceed) throws Exception {
        Sh.Result r = Sh.bash("T='/usr/bin/time -f maxrss=%M -a -o " + tmp.resolve("rss") + "'; rm -f "
                + q(tmp.resolve("rss")) + "\n" + script + "\necho rc=$?; cat " + q(tmp.resolve("rss")), 900);
        if (mustSucceed) {
            assertThat(r.out()).as(what + ": " + r).contains("rc=0");
        } else {
            assertThat(r.out()).as(what + " must be refused: " + r).doesNotContain("rc=0");
            assertThat(r.err().lines().filter(l -> l.startsWith("volport: ")).count()).as(r.err()).isEqualTo(1);
        }
        long max = 0;
        Matcher m = RSS.matcher(r.out());
        while (m.find()) {
            max = Math.max(max, Long.parseLong(m.group(1)));
        }
        assertThat(max).as("a peak RSS was measured for " + what).isPositive();
        FaultReport.add(new FaultReport.Row("memory: " + what, mustSucceed ? "completes" : "refused", 1,
                max / 1024 <= BOUND_MIB ? 1 : 0, 1, 0, max));
        if (max / 1024 > BOUND_MIB) {
            failures.add(what + ": " + max / 1024 + " MiB > " + BOUND_MIB + " MiB");
        }
        return max;
    }

    @Test
    void aFourGibDiskMovesInBoundedMemory() throws Exception {
        Sh.ok(volport + " alloc src 100 vm-100-disk-0.raw 4G");
        Path raw = tmp.resolve("src/images/100/vm-100-disk-0.raw");
        for (int i = 0; i < 16; i++) { // 16 MiB of data every 256 MiB
            Sh.ok("head -c 16M /dev/urandom | dd of=" + q(raw) + " bs=1M seek=" + (i * 256) + " conv=notrunc"
                    + " status=none");
        }
        peak("4 GiB raw export raw+size", "$T " + volport + " export src:100/vm-100-disk-0.raw raw+size - | cat"
                + " >/dev/null", true);
        peak("4 GiB raw+sparse into qcow2", "$T " + volport + " export src:100/vm-100-disk-0.raw raw+sparse - | $T "
                + volport + " import dst:100/vm-100-disk-0.qcow2 raw+sparse -", true);
        peak("4 GiB checksum", "$T " + volport + " checksum dst:100/vm-100-disk-0.qcow2 >/dev/null", true);
        Sh.ok(volport + " free dst:100/vm-100-disk-0.qcow2 && " + volport + " free src:100/vm-100-disk-0.raw");
        assertThat(failures).isEmpty();
    }

    @Test
    void fiftyThousandFilesMoveInBoundedMemory() throws Exception {
        Sh.ok(volport + " alloc src 101 subvol-101-disk-0.subvol 0 --format subvol");
        Path tree = tmp.resolve("src/images/101/subvol-101-disk-0.subvol");
        Sh.ok("cd " + q(tree) + " && for d in $(seq 500); do mkdir d$d; done && perl -e 'for my $d (1..500) {"
                + " for my $f (1..100) { open(my $h, \">\", \"d$d/file-with-a-longer-name-$f\") or die; print $h"
                + " \"x\" x ($f * 10); close $h } }'");
        peak("50,000-file tar+size export | import", "$T " + volport + " export src:101/subvol-101-disk-0.subvol"
                + " tar+size - | $T " + volport + " import dst:101/subvol-101-disk-0.subvol tar+size -", true);
        assertThat(Sh.ok("find " + q(tmp.resolve("dst/images/101/subvol-101-disk-0.subvol")) + " -type f | wc -l")
                .strip()).isEqualTo("50000");
        assertThat(failures).isEmpty();
    }

    @Test
    void hostileStreamsAreRefusedInBoundedMemory() throws Exception {
        // raw+size announcing 2^62 bytes, then 1 MiB and the end
        Path huge = tmp.resolve("huge.raw+size");
        Files.write(huge, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 62).array());
        Sh.ok("head -c 1M /dev/urandom >> " + q(huge));
        peak("raw+size claiming 2^62 bytes", "$T " + volport + " import dst:102/vm-102-disk-0.raw raw+size "
                + q(huge), false);

        // tar+size whose first member is a pax header claiming 1 GiB
        byte[] h = new byte[512];
        put(h, 0, "PaxHeaders/x");
        put(h, 100, "0000644");
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", 1L << 30));
        put(h, 136, "00000000000");
        h[156] = 'x';
        put(h, 257, "ustar");
        put(h, 263, "00");
        java.util.Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        Path pax = tmp.resolve("pax.tar+size");
        Files.write(pax, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong((1L << 30) + 1024).array());
        Files.write(pax, h, java.nio.file.StandardOpenOption.APPEND);
        Sh.ok("head -c 4M /dev/zero | tr '\\0' 'a' >> " + q(pax));
        peak("tar pax header claiming 1 GiB", "$T " + volport + " import dst:102/subvol-102-disk-0.subvol tar+size "
                + q(pax), false);

        // qcow2+size whose L1 table claims 2^28 entries (2 GiB)
        Path img = tmp.resolve("l1.qcow2");
        Sh.ok("qemu-img create -q -f qcow2 " + q(img) + " 1G && printf '\\x10\\x00\\x00\\x00' | dd of=" + q(img)
                + " bs=1 seek=36 conv=notrunc status=none");
        Path q2 = tmp.resolve("l1.qcow2+size");
        Sh.ok("{ perl -e 'print pack(\"Q<\", -s $ARGV[0])' " + q(img) + "; cat " + q(img) + "; } > " + q(q2));
        peak("qcow2 with a 2^28-entry L1 table", "$T " + volport + " import dst:102/vm-102-disk-0.qcow2 qcow2+size "
                + q(q2) + " -with-snapshots 1", false);
        assertThat(failures).isEmpty();
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
