package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.api.Volport;
import dev.volport.config.StorageConfig;
import dev.volport.io.Progress;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.Warnings;
import dev.volport.storage.StorageRegistry;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.PrintWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What the commands share: global options, the configuration (loaded once, on first use), the storages, and the
 * process's standard streams. {@link #takeStdout()} hands fd 1 to a stream writer and sends everything else
 * that would print to stdout to stderr instead, so an export to {@code -} carries nothing but the stream.
 */
final class Context {
    private final Linux linux = Linux.system();
    private final PrintWriter err;
    private PrintWriter out;
    private final ShutdownGuard guard;
    String configOption;
    boolean quiet;
    ProgressMode progressMode = ProgressMode.AUTO;
    private boolean debug = System.getenv("VOLPORT_DEBUG") != null;
    private StorageRegistry registry;
    private StorageConfig configOverride;
    private final List<ProgressPrinter> printers = new ArrayList<>();
    /** The terminal behind fd 2, locked while this process draws its progress bar there; never closed. */
    private FileChannel terminalLock;

    enum ProgressMode { AUTO, PLAIN, JSON, NONE }

    /** A context whose commands print results to {@code out} and warnings to {@code err}. */
    Context(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
        this.guard = new ShutdownGuard(this::warn);
    }

    /** Where results go: stdout, or stderr once {@link #takeStdout()} gave fd 1 to a stream. */
    PrintWriter out() {
        return out;
    }

    /** Where warnings and errors go. */
    PrintWriter err() {
        return err;
    }

    /** Where warnings go: stderr, as one line each. */
    Warnings warnings() {
        return this::warn;
    }

    private void warn(String line) {
        err.println(line);
        err.flush();
    }

    boolean debug() {
        return debug;
    }

    Linux linux() {
        return linux;
    }

    /** Undo actions run on SIGINT/SIGTERM; installed with the registry. */
    ShutdownGuard guard() {
        return guard;
    }

    /** Uses this configuration instead of loading one (the demo builds its own). */
    void useConfig(StorageConfig config) {
        this.configOverride = config;
        this.registry = null;
    }

    StorageRegistry registry() throws VolportException {
        if (registry == null) {
            StorageConfig cfg = configOverride != null ? configOverride : StorageConfig.load(
                    StorageConfig.locate(configOption, System.getenv()), Volport.builtInSections());
            guard.install();
            registry = new StorageRegistry(Volport.builtInTypes(), cfg, new StorageEnvironment(linux, guard,
                    this::warn));
        }
        return registry;
    }

    Storage storage(StoreId id) throws VolportException {
        return registry().open(id);
    }

    Storage storage(VolumeId id) throws VolportException {
        return registry().open(id.store());
    }

    /** The raw stdout channel; from now on {@link #out()} (and {@code System.out}) go to stderr. */
    FileChannel takeStdout() {
        out.flush();
        System.out.flush();
        FileChannel ch = dev.volport.os.StandardStreams.stdout();
        System.setOut(System.err);
        out = err;
        return ch;
    }

    FileChannel stdin() {
        return dev.volport.os.StandardStreams.stdin();
    }

    /**
     * A progress display on stderr per the global options. In {@code auto} mode on a terminal only one process
     * draws a bar ({@link #ownsTerminal}); the others sharing that terminal (the two ends of
     * {@code volport export … | volport import …}) print nothing. An explicit {@code plain} or {@code json} is
     * always honoured.
     */
    Progress progress() {
        if (quiet) {
            return Progress.NONE;
        }
        ProgressPrinter.Style style = switch (progressMode) {
            case JSON -> ProgressPrinter.Style.JSON;
            case PLAIN -> ProgressPrinter.Style.PLAIN;
            case AUTO -> !linux.isatty(2) ? ProgressPrinter.Style.PLAIN
                    : ownsTerminal() ? ProgressPrinter.Style.BAR : null;
            case NONE -> null;
        };
        if (style == null) {
            return Progress.NONE;
        }
        ProgressPrinter printer = new ProgressPrinter(System.err, style);
        printers.add(printer);
        return printer;
    }

    /** The command succeeded: progress displays print their last line (JSON: {@code "done":true}). */
    void progressSucceeded() {
        printers.forEach(ProgressPrinter::succeeded);
    }

    /** The command failed with {@code message}: progress displays end with it (JSON: an error record). */
    void progressFailed(String message) {
        printers.forEach(p -> p.failed(message));
    }

    /**
     * Whether this process may draw on the terminal behind fd 2: it holds an exclusive lock on the terminal device,
     * taken without waiting and kept until the process exits. The device is opened anew (through
     * {@code /proc/self/fd/2}) because processes that inherited one open terminal would share a lock taken on it.
     * When the lock cannot be tried at all, the bar is drawn as if alone.
     */
    private boolean ownsTerminal() {
        if (terminalLock != null) {
            return true;
        }
        try {
            FileChannel tty = FileChannel.open(Path.of("/proc/self/fd/2"), StandardOpenOption.WRITE);
            if (tty.tryLock() == null) {
                tty.close();
                return false;
            }
            terminalLock = tty;
            return true;
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
