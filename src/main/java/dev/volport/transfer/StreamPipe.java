package dev.volport.transfer;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.IntBinaryOperator;

/**
 * The OS pipe between the exporter and the importer, with both ends as {@link FileChannel}s where possible.
 *
 * <p>Why not {@link Pipe}'s own channels: the JDK's {@code transferTo} from a file into a {@code Pipe.SinkChannel}
 * maps the file and copies it with {@code write}, while into a {@code FileChannel} on the same pipe it uses
 * {@code sendfile}, which for the zeros of a sparse disk moves page references instead of bytes; and at the
 * default 64 KiB buffer the two threads take turns every 64 KiB. Measured on the 2-core build machine, an empty
 * 4 GiB raw disk copied with {@code volport copy}: 2.0-2.2 s through the {@code Pipe} channels (1 MiB buffer),
 * 2.2-4.2 s through {@code FileChannel}s at 64 KiB, 0.5 s through {@code FileChannel}s at 1 MiB, against 0.6 s for
 * {@code volport export | volport import} (which asks for 1 MiB on its stdio pipe). So the runner opens a
 * {@code Pipe}, finds its descriptor in {@code /proc/self/fd} (the one
 * pipe that appeared while it was opened), reopens that pipe through {@code /proc/self/fd/N} once for writing and
 * once for reading, and closes the {@code Pipe}'s channels. When the descriptor cannot be told for sure (another
 * thread opened a pipe at the same moment, or there is no {@code /proc}), the {@code Pipe}'s channels are used as
 * they are: slower, never wrong, and a pipe that is not the runner's is never touched.
 *
 * <p>Closing either end from another thread wakes a thread blocked on it ({@code FileChannel} and {@code Pipe}
 * channels are both asynchronously closeable); a writer blocked in {@code sendfile} fails with a broken pipe once
 * the read end is closed.
 */
final class StreamPipe implements AutoCloseable {
    /** The buffer asked for, as {@code volport export | volport import} does on its stdio pipe. */
    static final int BYTES = 1 << 20;
    private static final Path FDS = Path.of("/proc/self/fd");

    private final WritableByteChannel sink;
    private final ReadableByteChannel source;

    private StreamPipe(WritableByteChannel sink, ReadableByteChannel source) {
        this.sink = sink;
        this.source = source;
    }

    /**
     * A new pipe; {@code resize} ({@code fd, bytes -> new size or -1}, {@code fcntl F_SETPIPE_SZ}) is asked for a
     * {@value #BYTES}-byte buffer when the pipe's descriptor is known. {@code resize} null keeps the default.
     */
    static StreamPipe open(IntBinaryOperator resize) throws IOException {
        Map<String, Integer> before = pipes();
        Pipe pipe = Pipe.open();
        Map<String, Integer> after = pipes();
        OptionalInt fd = before == null || after == null ? OptionalInt.empty() : newPipe(before, after);
        if (fd.isEmpty()) {
            return new StreamPipe(pipe.sink(), pipe.source());
        }
        Path path = FDS.resolve(Integer.toString(fd.getAsInt()));
        FileChannel sink = null;
        try {
            if (resize != null) {
                resize.applyAsInt(fd.getAsInt(), BYTES);
            }
            sink = FileChannel.open(path, StandardOpenOption.WRITE); // a reader exists: never blocks
            FileChannel source = FileChannel.open(path, StandardOpenOption.READ);
            pipe.sink().close();
            pipe.source().close();
            return new StreamPipe(sink, source);
        } catch (IOException | RuntimeException e) {
            if (sink != null) {
                sink.close();
            }
            return new StreamPipe(pipe.sink(), pipe.source()); // could not reopen: the Pipe's own ends
        }
    }

    /** The descriptor of the only pipe in {@code after} that is not in {@code before}; empty unless exactly one. */
    static OptionalInt newPipe(Map<String, Integer> before, Map<String, Integer> after) {
        Integer found = null;
        for (Map.Entry<String, Integer> e : after.entrySet()) {
            if (!before.containsKey(e.getKey())) {
                if (found != null) {
                    return OptionalInt.empty();
                }
                found = e.getValue();
            }
        }
        return found == null ? OptionalInt.empty() : OptionalInt.of(found);
    }

    /** Open pipes of this process: link target ({@code pipe:[INODE]}) to one descriptor of it; null without /proc. */
    private static Map<String, Integer> pipes() {
        Map<String, Integer> out = new HashMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(FDS)) {
            for (Path p : ds) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith("pipe:")) {
                        out.putIfAbsent(target, Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException gone) {
                    // closed while listed, or the directory's own descriptor: not a pipe
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return out;
    }

    /** The exporter's end. */
    WritableByteChannel sink() {
        return sink;
    }

    /** The importer's end. */
    ReadableByteChannel source() {
        return source;
    }

    /** Closes the write end: the reader sees the end of the stream once it has read what is buffered. */
    void closeSink() throws IOException {
        sink.close();
    }

    /** Closes both ends, the read end first (so a writer blocked on a full pipe fails rather than waits). */
    @Override
    public void close() {
        try {
            source.close();
        } catch (IOException ignored) {
            // closing a pipe end fails only when it is already gone
        }
        try {
            sink.close();
        } catch (IOException ignored) {
            // as above
        }
    }
}
