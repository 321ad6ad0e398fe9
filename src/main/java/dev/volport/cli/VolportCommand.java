package dev.volport.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;

/** The root command: global options and the list of subcommands. */
@Command(name = "volport", mixinStandardHelpOptions = true, versionProvider = VolportCommand.Version.class,
        description = "Moves VM disks and container root filesystems between storages and hosts as byte streams,"
                + " wire-compatible with Proxmox VE's pvesm export/import.",
        subcommands = {ExportCommand.class, ImportCommand.class, FormatsCommand.Export.class,
            FormatsCommand.Import.class, AllocCommand.class, FreeCommand.class, ListCommand.class,
            PathCommand.class, InfoCommand.class, StatusCommand.class, DemoCommand.class})
final class VolportCommand implements Runnable {
    final Context ctx;

    VolportCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Option(names = "--config", paramLabel = "PATH",
            description = "storage.cfg to use (default: $VOLPORT_CONFIG, else /etc/volport/storage.cfg)")
    void config(String path) {
        ctx.configOption = path;
    }

    @Option(names = {"-q", "--quiet"}, description = "no progress output")
    void quiet(boolean q) {
        ctx.quiet = q;
    }

    @Option(names = "--progress", paramLabel = "MODE",
            description = "progress on stderr: ${COMPLETION-CANDIDATES} (default: auto = bar on a terminal,"
                    + " plain lines otherwise)")
    void progress(Context.ProgressMode mode) {
        ctx.progressMode = mode;
    }

    @Override
    public void run() {
        throw new UsageException("a command is required");
    }

    /** The version from the jar manifest, or the build's properties when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            String v = VolportCommand.class.getPackage().getImplementationVersion();
            if (v == null) {
                Properties p = new Properties();
                try (InputStream in = VolportCommand.class.getResourceAsStream("/volport-version.properties")) {
                    if (in != null) {
                        p.load(in);
                    }
                }
                v = p.getProperty("version", "development");
            }
            return new String[] {"volport " + v + " (Java " + Runtime.version() + ")"};
        }
    }
}
