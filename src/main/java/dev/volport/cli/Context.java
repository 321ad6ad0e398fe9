package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.config.StorageConfig;
import dev.volport.io.Progress;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageRegistry;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;

/**
 * What the commands share: global options, the configuration (loaded once, on first use), the storages, and the
 * process's standard streams. {@link #takeStdout()} hands fd 1 to a stream writer and sends everything else
 * that would print to stdout to stderr instead, so an export to {@code -} carries nothing but the stream.
 */
final class Context {
    private final LinuxCalls linux = new LinuxCalls();
    private final ShutdownGuard guard = new ShutdownGuard();
    String configOption;
    boolean quiet;
    ProgressMode progressMode = ProgressMode.AUTO;
    private boolean debug = System.getenv("VOLPORT_DEBUG") != null;
    private StorageRegistry registry;
    private StorageConfig configOverride;

    enum ProgressMode { AUTO, PLAIN, JSON, NONE }

    boolean debug() {
        return debug;
    }

    LinuxCalls linux() {
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
            StorageConfig cfg = configOverride != null ? configOverride
                    : StorageConfig.load(StorageConfig.locate(configOption, System.getenv()));
            guard.install();
            registry = new StorageRegistry(cfg, new StorageEnvironment(linux, guard, System.err));
        }
        return registry;
    }

    Storage storage(StoreId id) throws VolportException {
        return registry().open(id);
    }

    Storage storage(VolumeId id) throws VolportException {
        return registry().open(id.store());
    }

    /** The raw stdout channel; from now on {@code System.out} goes to stderr. */
    FileChannel takeStdout() {
        System.out.flush();
        FileChannel ch = new FileOutputStream(FileDescriptor.out).getChannel();
        System.setOut(System.err);
        return ch;
    }

    FileChannel stdin() {
        return new FileInputStream(FileDescriptor.in).getChannel();
    }

    /** A progress display on stderr per the global options. */
    Progress progress() {
        if (quiet || progressMode == ProgressMode.NONE) {
            return Progress.NONE;
        }
        PrintStream err = System.err;
        return switch (progressMode) {
            case JSON -> new ProgressPrinter(err, ProgressPrinter.Style.JSON);
            case PLAIN -> new ProgressPrinter(err, ProgressPrinter.Style.PLAIN);
            case AUTO -> new ProgressPrinter(err, linux.isatty(2) ? ProgressPrinter.Style.BAR
                    : ProgressPrinter.Style.PLAIN);
            case NONE -> Progress.NONE;
        };
    }
}
