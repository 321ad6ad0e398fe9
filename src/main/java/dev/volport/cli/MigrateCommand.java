package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.migrate.HostsConfig;
import dev.volport.migrate.MigrationPlan;
import dev.volport.migrate.MigrationRequest;
import dev.volport.migrate.MigrationResult;
import dev.volport.migrate.Migrator;
import dev.volport.migrate.RemoteHost;
import dev.volport.migrate.Transport;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code volport migrate VOLID --target-storage ID [--target-host HOST] …}: the reference's
 * {@code storage_migrate} on the command line, through {@link Migrator}. Prints
 * {@code successfully imported 'NEW-VOLID'} (the target's own line, so the reference's pattern finds it); with
 * {@code --dry-run}, the plan instead.
 */
@Command(name = "migrate", description = "Migrate a volume to another storage, on this host or another one.",
        footerHeading = "%nExamples:%n", footer = {
            "  volport migrate local:100/vm-100-disk-0.qcow2 --target-storage backup --dry-run",
            "  volport migrate local:100/vm-100-disk-0.raw --target-storage local --target-host node2 \\",
            "    --bwlimit 102400 --allow-rename",
            "  volport migrate local:100/vm-100-disk-0.raw --target-storage local --target-host 10.0.0.2 \\",
            "    --transport tcp --migration-network 10.0.0.0/24"})
final class MigrateCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class)
    VolumeId volume;

    @Option(names = {"--target-storage", "-target-storage"}, required = true, paramLabel = "ID",
            description = "the storage the volume goes to")
    String targetStorage;

    @Option(names = {"--target-host", "-target-host"}, paramLabel = "HOST",
            description = "another host, reached as root over ssh (default: this host)")
    String targetHost;

    @Option(names = {"--transport", "-transport"}, paramLabel = "T",
            description = "local, ssh, tcp (plain TCP, trusted networks only) or unix (default: local without"
                    + " --target-host, else ssh)")
    String transport;

    @Option(names = {"--target-volname", "-target-volname"}, paramLabel = "NAME",
            description = "the volume's name on the target (default: the same, or mapped for another storage type)")
    String targetVolname;

    @Option(names = {"--snapshot", "-snapshot"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "migrate this snapshot's state")
    SnapshotName snapshot;

    @Option(names = {"--base", "-base"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "base snapshot of an incremental stream")
    SnapshotName base;

    @Option(names = {"--with-snapshots", "-with-snapshots"}, arity = "0..1", fallbackValue = "1",
            paramLabel = "0|1", converter = Converters.Flag.class,
            description = "the stream carries the volume's snapshots (default 0)")
    Converters.Switch withSnapshots = Converters.Switch.OFF;

    @Option(names = {"--allow-rename", "-allow-rename"}, arity = "0..1", fallbackValue = "1", paramLabel = "0|1",
            converter = Converters.Flag.class,
            description = "the target picks the next free name if the name is taken (default 0)")
    Converters.Switch allowRename = Converters.Switch.OFF;

    @Option(names = {"--bwlimit", "-bwlimit"}, paramLabel = "KiB/s", converter = CopyCommand.KiBps.class,
            description = "bandwidth limit in KiB/s; the storages' migration limits still apply (0: none of your"
                    + " own)")
    Long bwlimit;

    @Option(names = {"--format", "-format"}, paramLabel = "FORMAT", converter = Converters.Format.class,
            description = "stream format (default: the source's first that the target accepts)")
    StreamFormat format;

    @Option(names = "--dry-run", description = "print the plan (target, format and why not the others, snapshot,"
            + " bandwidth) and change nothing")
    boolean dryRun;

    @Option(names = "--hosts", paramLabel = "FILE",
            description = "how to reach other hosts (default: $VOLPORT_HOSTS, else /etc/volport/hosts.cfg)")
    Path hostsFile;

    @Option(names = "--ssh-command", paramLabel = "CMD",
            description = "ssh program and options of your own, split at blanks (default: the hosts file, else ssh)")
    String sshCommand;

    @Option(names = "--remote-volport", paramLabel = "CMD",
            description = "the command that runs volport on the target host (default: volport)")
    String remoteVolport;

    @Option(names = "--ssh-cipher", paramLabel = "LIST",
            description = "ssh cipher list, or 'default' for ssh's own (default: AES-GCM first on CPUs with AES)")
    String sshCipher;

    @Option(names = "--host-key-alias", paramLabel = "NAME", description = "ssh -o HostKeyAlias=NAME")
    String hostKeyAlias;

    @Option(names = "--migration-network", paramLabel = "IP[/PREFIX]",
            description = "tcp: the address or network the receiver listens on (default: the target host's address)")
    String network;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        MigrationRequest req = request();
        Migrator migrator = new Migrator(ctx.registry(), new ImportTransaction(ctx.registry().env()),
                new ProcessCommandRunner(), ctx.linux()::growPipe, line -> {
                    ctx.err().println(line);
                    ctx.err().flush();
                });
        if (dryRun) {
            MigrationPlan plan = migrator.plan(req);
            plan.describe().forEach(ctx.out()::println);
            return 0;
        }
        MigrationResult r = migrator.migrate(req, ctx.progress());
        if (r.inPlace().isPresent() && !ctx.quiet) {
            ctx.err().println("migrate " + req.volume() + " to " + r.volume() + ": " + r.inPlace().get());
        }
        ctx.out().println("successfully imported '" + r.volume() + "'");
        return 0;
    }

    private MigrationRequest request() throws VolportException {
        StoreId target;
        try {
            target = StoreId.parse(targetStorage);
        } catch (VolportException e) {
            throw new UsageException("invalid --target-storage: " + e.getMessage());
        }
        Transport t = transport == null ? (targetHost == null ? Transport.LOCAL : Transport.SSH)
                : Arrays.stream(Transport.values()).filter(x -> x.id().equals(transport)).findFirst()
                .orElseThrow(() -> new UsageException("unknown transport '" + transport
                        + "' (local, ssh, tcp, unix)"));
        if (t == Transport.LOCAL && targetHost != null) {
            throw new UsageException("--transport local moves within this host: drop --target-host " + targetHost);
        }
        if (t != Transport.LOCAL && targetHost == null) {
            throw new UsageException("--transport " + t + " needs --target-host");
        }
        MigrationRequest req = new MigrationRequest(volume, target, Optional.empty(), Transport.LOCAL,
                Optional.ofNullable(targetVolname), Optional.ofNullable(snapshot), Optional.ofNullable(base),
                withSnapshots.on(), allowRename.on(), bwlimit == null ? OptionalLong.empty() : OptionalLong.of(bwlimit),
                Optional.ofNullable(format), Optional.ofNullable(network));
        return t == Transport.LOCAL ? req : req.toHost(host(), t);
    }

    private RemoteHost host() throws VolportException {
        Path file = hostsFile != null ? hostsFile : Path.of(Optional.ofNullable(System.getenv("VOLPORT_HOSTS"))
                .orElse("/etc/volport/hosts.cfg"));
        RemoteHost h;
        try {
            h = HostsConfig.load(file).host(targetHost);
        } catch (IllegalArgumentException e) {
            throw new UsageException("invalid --target-host: " + e.getMessage());
        }
        return new RemoteHost(h.host(),
                sshCommand != null ? words(sshCommand, "--ssh-command") : h.ssh(),
                hostKeyAlias != null ? Optional.of(hostKeyAlias) : h.hostKeyAlias(),
                sshCipher != null ? Optional.of(sshCipher) : h.cipher(),
                remoteVolport != null ? words(remoteVolport, "--remote-volport") : h.volport());
    }

    private static List<String> words(String text, String option) {
        List<String> w = Arrays.stream(text.strip().split("\\s+")).filter(s -> !s.isEmpty()).toList();
        if (w.isEmpty()) {
            throw new UsageException(option + " is empty");
        }
        return w;
    }
}
