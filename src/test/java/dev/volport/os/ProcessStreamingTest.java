package dev.volport.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.os.CommandException.Reason;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Started commands on real processes: both pipes at once, throughput, cancel and timeout killing whole process
 * trees, a stderr flood, and a broken pipe reported as the command's own failure.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessStreamingTest {
    private static final Duration GRACE = Duration.ofMillis(400);
    private final ProcessCommandRunner runner = new ProcessCommandRunner(GRACE);

    private static Command sh(String script) {
        return Command.of("sh", "-c", script);
    }

    /** Writes {@code total} pseudo-random bytes in {@code chunk}-sized writes on another thread; returns their SHA-256. */
    private static CompletableFuture<String> feed(RunningCommand c, long total, int chunk) {
        return CompletableFuture.supplyAsync(() -> {
            try (OutputStream in = c.stdin()) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[chunk];
                new Random(42).nextBytes(buf);
                for (long sent = 0; sent < total; ) {
                    int n = (int) Math.min(chunk, total - sent);
                    buf[0] = (byte) sent;
                    in.write(buf, 0, n);
                    sha.update(buf, 0, n);
                    sent += n;
                }
                return HexFormat.of().formatHex(sha.digest());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static String sha256(InputStream in, long[] count) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 20];
        for (int n; (n = in.read(buf)) >= 0; ) {
            sha.update(buf, 0, n);
            count[0] += n;
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** True while {@code pid} exists and is not a zombie (a killed orphan may stay a zombie under a lazy PID 1). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (Exception e) {
            return false;
        }
    }

    private static Command both() {
        return Command.of("cat").withStdin(Command.Stdin.pipe()).withTimeout(Duration.ofSeconds(100));
    }

    @Test
    void bothPipesAtOnceDoNotDeadlock() throws Exception {
        long size = 64L << 20;
        try (RunningCommand cat = runner.start(both())) {
            CompletableFuture<String> sent = feed(cat, size, 100_003);
            long[] got = {0};
            String received = sha256(cat.stdout(), got);
            assertThat(got[0]).isEqualTo(size);
            assertThat(received).isEqualTo(sent.get());
            assertThat(cat.await().exitCode()).isZero();
        }
    }

    /** 1 GiB through {@code cat}: the two copies through the runner's streams must not be the bottleneck. */
    @Test
    void aGibibyteThroughCatIsNotPathologicallySlow() throws Exception {
        long size = 1L << 30;
        long start = System.nanoTime();
        try (RunningCommand cat = runner.start(both())) {
            CompletableFuture<String> sent = feed(cat, size, 1 << 20);
            long[] got = {0};
            String received = sha256(cat.stdout(), got);
            cat.await();
            assertThat(got[0]).isEqualTo(size);
            assertThat(received).isEqualTo(sent.get());
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double mibPerSecond = 1024 / seconds;
        System.out.printf("ProcessStreamingTest: 1 GiB through cat (with SHA-256 on both sides) in %.2f s, %.0f MiB/s%n",
                seconds, mibPerSecond);
        assertThat(mibPerSecond).as("MiB/s").isGreaterThan(40);
    }

    @Test
    void cancelKillsTheWholeTreeAndAwaitSaysSo() throws Exception {
        RunningCommand c = runner.start(sh("sleep 1000 & echo $!; wait"));
        long shPid;
        long sleepPid;
        try (c) {
            BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.US_ASCII));
            sleepPid = Long.parseLong(out.readLine().strip());
            shPid = ProcessHandle.of(sleepPid).orElseThrow().parent().orElseThrow().pid();
            assertThat(running(shPid)).isTrue();
            assertThat(running(sleepPid)).isTrue();
            c.cancel();
            assertThat(running(sleepPid)).as("the child the command started").isFalse();
            assertThat(running(shPid)).isFalse();
            assertThatThrownBy(c::await).isInstanceOfSatisfying(CommandException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.CANCELLED))
                    .hasMessage("'sh -c 'sleep 1000 & echo $!; wait'' was cancelled and killed");
        }
    }

    /** A tree that ignores SIGTERM gets SIGKILL after the grace period; closing the handle is enough. */
    @Test
    void closeKillsATreeThatIgnoresSigterm() throws Exception {
        long sleepPid;
        long start;
        try (RunningCommand c = runner.start(sh("trap '' TERM; sleep 1000 & echo $!; wait"))) {
            BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.US_ASCII));
            sleepPid = Long.parseLong(out.readLine().strip());
            start = System.nanoTime();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(running(sleepPid)).isFalse();
        assertThat(took).isBetween(GRACE, GRACE.plusSeconds(5));
    }

    /** The timeout also ends a read the caller is blocked in, and kills the child holding the pipe. */
    @Test
    void aTimeoutEndsABlockedReadAndKillsTheTree() throws Exception {
        try (RunningCommand c = runner.start(sh("echo $!; sleep 1000 & echo $!; echo 'waiting' >&2; wait")
                .withTimeout(Duration.ofMillis(1500)))) {
            BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.US_ASCII));
            out.readLine();
            long sleepPid = Long.parseLong(out.readLine().strip());
            assertThat(out.readLine()).as("end of stdout once the tree is killed").isNull();
            assertThatThrownBy(c::await).isInstanceOfSatisfying(CommandException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.TIMED_OUT))
                    .hasMessageEndingWith("timed out after 1500 ms and was killed: waiting");
            assertThat(running(sleepPid)).as("gone when await reports the timeout").isFalse();
        }
    }

    /** 105 MiB of stderr (7 Mi lines) while stdout streams: the command runs to its end and only the tail is kept. */
    @Test
    void aStderrFloodNeitherBlocksNorGrows() throws Exception {
        Command flood = sh("yes 'warning: noise' | head -c 110100480 >&2; echo 'real error' >&2; echo done; exit 2")
                .withTimeout(Duration.ofSeconds(100));
        try (RunningCommand c = runner.start(flood)) {
            assertThat(new String(c.stdout().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("done\n");
            assertThatThrownBy(c::await).isInstanceOfSatisfying(CommandException.class, e -> {
                assertThat(e.exitCode()).hasValue(2);
                assertThat(e.stderrTail()).hasSize(StderrTail.DEFAULT_LINES).endsWith("warning: noise", "real error");
                assertThat(String.join("\n", e.stderrTail()).length()).isLessThanOrEqualTo(StderrTail.DEFAULT_BYTES);
            });
        }
    }

    /** A receiver that gives up mid-stream: the writer sees its exit code and message, not "Broken pipe". */
    @Test
    void aBrokenPipeIsReportedAsTheCommandsFailure() throws Exception {
        Command recv = sh("head -c 1000 >/dev/null; echo 'cannot receive: invalid stream' >&2; exit 1")
                .withStdin(Command.Stdin.pipe()).withStdout(Command.Stdout.discard());
        try (RunningCommand c = runner.start(recv)) {
            assertThatThrownBy(() -> {
                try (OutputStream in = c.stdin()) {
                    byte[] buf = new byte[1 << 16];
                    for (int i = 0; i < 1024; i++) {
                        in.write(buf);
                    }
                }
            }).isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.reason()).isEqualTo(Reason.FAILED))
                    .hasMessageEndingWith("failed with exit code 1: cannot receive: invalid stream");
            assertThat(c.waitFor(Duration.ofSeconds(5))).hasValue(1);
            assertThat(c.stderrTail()).containsExactly("cannot receive: invalid stream");
        }
        Command early = Command.of("head", "-c", "10").withStdin(Command.Stdin.pipe())
                .withStdout(Command.Stdout.discard());
        try (RunningCommand c = runner.start(early)) {
            assertThatThrownBy(() -> {
                try (OutputStream in = c.stdin()) {
                    in.write(new byte[16 << 20]);
                }
            }).isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.reason()).isEqualTo(Reason.STREAM))
                    .hasMessageStartingWith("writing to 'head -c 10': ");
            assertThat(c.await().exitCode()).isZero();
        }
    }

    @Test
    void pipesThatWereNotAskedForAreRefused() throws Exception {
        try (RunningCommand c = runner.start(Command.of("true").withStdout(Command.Stdout.discard()))) {
            assertThatThrownBy(c::stdin).hasMessage("stdin of 'true' is not a pipe");
            assertThatThrownBy(c::stdout).hasMessage("stdout of 'true' is not a pipe");
            assertThat(c.await().argv()).isEqualTo(List.of("true"));
        }
    }

    /** stderr lines reach a listener while the command still runs, cleaned, and stay in the tail as well. */
    @Test
    @Timeout(20)
    void stderrLinesArriveWhileTheCommandRuns() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<String> lines = new java.util.concurrent.LinkedBlockingQueue<>();
        try (RunningCommand rc = new ProcessCommandRunner().start(Command.of("sh", "-c",
                "printf 'first\\tline\\n' >&2; read x; printf 'second\\nno newline' >&2")
                .withStdin(Command.Stdin.pipe()), lines::add)) {
            assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("first line");
            assertThat(rc.waitFor(Duration.ZERO)).isEmpty(); // still running: the line came live
            rc.stdin().write("go\n".getBytes(StandardCharsets.UTF_8));
            rc.stdin().close();
            rc.await();
            assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("second");
            assertThat(lines.poll(10, TimeUnit.SECONDS)).isEqualTo("no newline");
            assertThat(rc.stderrTail()).containsExactly("first line", "second", "no newline");
        }
    }

    /**
     * The stdin pipe is one volport made ({@link StdinPipe}): the child reads a 1 MiB pipe; what goes through
     * {@code stdinChannel()} from a direct buffer arrives whole; closing it is the child's end of input; and
     * neither end stays open in volport afterwards.
     */
    @Test
    void theStdinChannelIsAPipeOfVolportsOwnAndLeavesNoDescriptor() throws Exception {
        List<String> before = openDescriptors();
        byte[] data = new byte[16 << 20];
        new Random(7).nextBytes(data);
        Command cmd = sh("python3 -c 'import fcntl, sys; sys.stderr.write(str(fcntl.fcntl(0, 1032)))'; sha256sum").withStdin(Command.Stdin.pipe())
                .withTimeout(Duration.ofSeconds(60));
        List<String> err = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RunningCommand c = runner.start(cmd, err::add)) {
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                try (var ch = c.stdinChannel()) {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 20);
                    for (int off = 0; off < data.length; off += buf.capacity()) {
                        buf.clear().put(data, off, buf.capacity()).flip();
                        while (buf.hasRemaining()) {
                            c.stdinChannel().write(buf);
                        }
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            String out = new String(c.stdout().readAllBytes(), StandardCharsets.US_ASCII);
            writer.join();
            c.await();
            assertThat(out).startsWith(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data)));
        }
        assertThat(err).containsExactly("1048576"); // F_GETPIPE_SZ: the 1 MiB pipe volport made, not the JDK's 64 KiB
        assertThat(openDescriptors()).isEqualTo(before);
    }

    /** This JVM's open pipes (other descriptors, e.g. a security provider's /dev/urandom, come and stay). */
    private static List<String> openDescriptors() throws IOException {
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(f -> {
                try {
                    return f.getFileName() + " " + Files.readSymbolicLink(f);
                } catch (IOException e) {
                    return f.getFileName() + " gone";
                }
            }).filter(f -> f.contains(" pipe:")).sorted().toList();
        }
    }
}
