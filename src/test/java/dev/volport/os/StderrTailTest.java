package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The stderr ring: last lines only, bounded bytes, one-line-safe text. */
class StderrTailTest {
    private static void feed(StderrTail t, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.accept(b, 0, b.length);
    }

    @Test
    void keepsTheLastLinesOnly() {
        StderrTail t = new StderrTail(3, 1000);
        feed(t, "one\ntwo\n\n  \nthree\nfour");
        feed(t, " and more\nfive\n");
        assertThat(t.lines()).containsExactly("three", "four and more", "five");
    }

    @Test
    void aLineCutByTheRingIsMarked() {
        StderrTail t = new StderrTail(20, 10);
        feed(t, "abcdefghij\nxyz\n");
        assertThat(t.lines()).containsExactly("…fghij", "xyz");
        StderrTail exact = new StderrTail(20, 4);
        feed(exact, "abc\nxyz\n");
        assertThat(exact.lines()).containsExactly("xyz");
    }

    @Test
    void controlCharactersBecomeSpaces() {
        assertThat(StderrTail.of("warning:\tbad \u001b[1mthing\u001b[0m\r\n"))
                .containsExactly("warning: bad  [1mthing [0m");
    }

    /** 100 MiB of noise in odd-sized pieces: the memory held never changes and the end is exact. */
    @Test
    void aFloodCostsNoMemory() {
        StderrTail t = new StderrTail();
        int capacity = t.capacity();
        byte[] noise = "warning: noise\n".repeat(4000).getBytes(StandardCharsets.US_ASCII);
        long fed = 0;
        for (int off = 0; fed < 100L << 20; off = (off + 7) % 1000) {
            t.accept(noise, off, noise.length - off);
            fed += noise.length - off;
        }
        feed(t, IntStream.rangeClosed(1, 25).mapToObj(i -> "last " + i + "\n").collect(Collectors.joining()));
        assertThat(t.capacity()).isEqualTo(capacity).isEqualTo(StderrTail.DEFAULT_BYTES + 1);
        assertThat(t.bytesSeen()).isGreaterThan(100L << 20);
        List<String> lines = t.lines();
        assertThat(lines).hasSize(StderrTail.DEFAULT_LINES);
        assertThat(lines.getFirst()).isEqualTo("last 6");
        assertThat(lines.getLast()).isEqualTo("last 25");
    }
}
