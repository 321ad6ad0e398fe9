package dev.volport.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The root command: global options and the list of subcommands. The global options are inherited by every
 * subcommand, so they may stand before or after the command's name ({@code volport list local --config F}).
 */
@Command(name = "volport", mixinStandardHelpOptions = true, versionProvider = VolportCommand.Version.class,
        description = "Moves VM disks and container root filesystems between storages and hosts as byte streams,"
                + " wire-compatible with Proxmox VE's pvesm export/import.",
        footerHeading = "%nExamples:%n", footer = {
            "  volport --config ./storage.cfg status",
            "  volport export local:100/vm-100-disk-0.raw raw+size - \\",
            "    | ssh other-host volport import local:100/vm-100-disk-0.raw raw+size -",
            "  volport help alloc"})
final class VolportCommand implements Runnable {
    /**
     * The subcommands, in help order, by name. {@link #register} adds only the one a command line names (picocli
     * introspects every registered class at start-up, a third of a second for all of them), or all of them for
     * help and for a name it does not know.
     */
    static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    /** The example under {@code volport help --help}: picocli's help command has no annotation of ours. */
    private static final String HELP_EXAMPLE = "  volport help import";

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("export", ExportCommand::new);
        m.put("import", ImportCommand::new);
        m.put("export-formats", FormatsCommand.Export::new);
        m.put("import-formats", FormatsCommand.Import::new);
        m.put("alloc", AllocCommand::new);
        m.put("free", FreeCommand::new);
        m.put("list", ListCommand::new);
        m.put("path", PathCommand::new);
        m.put("info", InfoCommand::new);
        m.put("status", StatusCommand::new);
        m.put("snapshot", SnapshotCommands.Create::new);
        m.put("delsnapshot", SnapshotCommands.Delete::new);
        m.put("snapshots", SnapshotCommands.ListSnapshots::new);
        m.put("rollback", SnapshotCommands.Rollback::new);
        m.put("demo", DemoCommand::new);
        m.put("copy", CopyCommand::new);
        m.put("checksum", ChecksumCommand::new);
        m.put("migrate", MigrateCommand::new);
        m.put("plan-import", FormatsCommand.Plan::new); // hidden: a migrating volport's one question to the target
        m.put("gen-docs", GenDocsCommand::new); // hidden; needs all the others registered (see needed)
        // a lambda, not CommandLine.HelpCommand::new: with that constructor reference, creating the launcher's
        // ahead-of-time cache crashes the JDK 25 JVM (a guarantee in archiveHeapWriter.cpp fails)
        m.put("help", () -> new CommandLine.HelpCommand());
        return Collections.unmodifiableMap(m);
    }

    /** Global options that take a separate value, so the value is not mistaken for the subcommand's name. */
    private static final Set<String> VALUED = Set.of("--config", "--progress");

    /**
     * The subcommands to register for {@code args}: the one named (with {@code help}, also the command it is
     * asked about), none for a bare {@code --version}, all for help, for no command at all and for an unknown
     * name (so picocli can suggest). Global options may also follow the command's name; they do not matter
     * here, because the first word that is not an option or an option's value is the command.
     */
    static List<String> needed(String[] args) {
        List<String> all = List.copyOf(SUBCOMMANDS.keySet());
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (VALUED.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                if (!SUBCOMMANDS.containsKey(a) || a.equals("gen-docs")) {
                    return all;
                }
                if (a.equals("help")) {
                    String about = i + 1 < args.length ? args[i + 1] : "";
                    return about.equals(a) ? List.of(a) : SUBCOMMANDS.containsKey(about) ? List.of(a, about) : all;
                }
                return List.of(a);
            } else if (a.equals("-h") || a.equals("--help")) {
                return all;
            }
        }
        boolean version = Arrays.asList(args).contains("--version") || Arrays.asList(args).contains("-V");
        return version ? List.of() : all;
    }

    /** Adds the subcommands {@code args} needs (see {@link #needed}) to {@code cl}, whose command is the root. */
    static void register(CommandLine cl, String[] args) {
        for (String name : needed(args)) {
            CommandLine sub = cl.addSubcommand(name, SUBCOMMANDS.get(name).get()).getSubcommands().get(name);
            if (name.equals("help")) {
                sub.getCommandSpec().usageMessage().footerHeading("%nExample:%n").footer(HELP_EXAMPLE);
            } else {
                sub.getCommandSpec().addMixin("help", CommandLine.Model.CommandSpec.forAnnotatedObject(
                        new HelpOption()));
            }
        }
    }

    /**
     * {@code -h, --help} for every subcommand, added where it is registered rather than by picocli's standard
     * mixin, which would also give each subcommand a {@code --version}.
     */
    static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help (with examples) and exit.")
        boolean help;
    }

    final Context ctx;

    VolportCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Option(names = "--config", scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "storage.cfg to use (default: $VOLPORT_CONFIG, else /etc/volport/storage.cfg)")
    void config(String path) {
        ctx.configOption = path;
    }

    @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT, description = "no progress output")
    void quiet(boolean q) {
        ctx.quiet = q;
    }

    @Option(names = "--progress", scope = ScopeType.INHERIT, paramLabel = "MODE",
            description = "progress on stderr: ${COMPLETION-CANDIDATES} (default: auto = bar on a terminal,"
                    + " plain lines otherwise)")
    void progress(Context.ProgressMode mode) {
        ctx.progressMode = mode;
    }

    @Override
    public void run() {
        throw new UsageException("a command is required");
    }

    /**
     * The version and the git commit the build was made from, both from {@code volport-build.properties}, which
     * the build writes ({@code unknown} commit when built without git, e.g. from a source tarball).
     */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = VolportCommand.class.getResourceAsStream("/volport-build.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            String v = p.getProperty("version", VolportCommand.class.getPackage().getImplementationVersion());
            return new String[] {"volport " + (v == null ? "development" : v) + " (commit "
                    + p.getProperty("commit", "unknown") + ", Java " + Runtime.version() + ")"};
        }
    }
}
