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
                + " wire-compatible with Proxmox VE's pvesm export/import.")
final class VolportCommand implements Runnable {
    /**
     * The subcommands, in help order. {@link Main} registers only the one a command line names (picocli
     * introspects every registered class at start-up, a third of a second for all of them), or all of them for
     * help and for a name it does not know.
     */
    static final java.util.Map<String, java.util.function.Supplier<Object>> SUBCOMMANDS =
            new java.util.LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("export", ExportCommand::new);
        SUBCOMMANDS.put("import", ImportCommand::new);
        SUBCOMMANDS.put("export-formats", FormatsCommand.Export::new);
        SUBCOMMANDS.put("import-formats", FormatsCommand.Import::new);
        SUBCOMMANDS.put("alloc", AllocCommand::new);
        SUBCOMMANDS.put("free", FreeCommand::new);
        SUBCOMMANDS.put("list", ListCommand::new);
        SUBCOMMANDS.put("path", PathCommand::new);
        SUBCOMMANDS.put("info", InfoCommand::new);
        SUBCOMMANDS.put("status", StatusCommand::new);
        SUBCOMMANDS.put("demo", DemoCommand::new);
        SUBCOMMANDS.put("copy", CopyCommand::new);
    }

    /** Global options that take a value, so the value is not mistaken for the subcommand's name. */
    private static final java.util.Set<String> VALUED = java.util.Set.of("--config", "--progress");

    /**
     * The subcommands to register for {@code args}: the one named, none for a bare {@code --version}, all for
     * help, for no command at all and for an unknown name (so picocli can suggest).
     */
    static java.util.List<String> needed(String[] args) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUED.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return SUBCOMMANDS.containsKey(a) ? java.util.List.of(a)
                        : java.util.List.copyOf(SUBCOMMANDS.keySet());
            } else if (a.equals("-h") || a.equals("--help")) {
                return java.util.List.copyOf(SUBCOMMANDS.keySet());
            }
        }
        boolean version = java.util.Arrays.asList(args).contains("--version")
                || java.util.Arrays.asList(args).contains("-V");
        return version ? java.util.List.of() : java.util.List.copyOf(SUBCOMMANDS.keySet());
    }
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
