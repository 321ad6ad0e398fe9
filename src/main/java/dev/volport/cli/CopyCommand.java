package dev.volport.cli;

import dev.volport.config.BwLimit;
import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.BandwidthLimit;
import dev.volport.transfer.ImportTransaction;
import dev.volport.transfer.TransferRequest;
import dev.volport.transfer.TransferResult;
import dev.volport.transfer.TransferRunner;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code volport copy SRC-VOLID DST-VOLID}: {@code export | import} in one process, through
 * {@link TransferRunner}. Hidden while {@code migrate} is being built on the same runner.
 *
 * <p>The bandwidth limit is the reference's {@code move} operation (a copy between storages of this host is what
 * {@code qm disk move} does), resolved over both storages with {@code --bwlimit} as the override; see
 * {@link BandwidthLimit} for why the override can lower a configured limit but not raise it.
 */
@Command(name = "copy", hidden = true,
        description = "Copy a volume into another storage (export | import in one process; experimental).",
        footerHeading = "%nExamples:%n", footer = {
            "  volport copy local:100/vm-100-disk-0.qcow2 backup:100/vm-100-disk-0.raw",
            "  volport copy local:100/vm-100-disk-0.raw nfs:100/vm-100-disk-0.raw --bwlimit 51200 --allow-rename 1"})
final class CopyCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "SRC-VOLID", converter = Converters.Volume.class)
    VolumeId from;

    @Parameters(index = "1", paramLabel = "DST-VOLID", converter = Converters.Volume.class)
    VolumeId to;

    @Option(names = {"--format", "-format"}, paramLabel = "FORMAT", converter = Converters.Format.class,
            description = "stream format (default: the first the source offers and the target accepts)")
    StreamFormat format;

    @Option(names = {"--bwlimit", "-bwlimit"}, paramLabel = "KiB/s", converter = KiBps.class,
            description = "bandwidth limit in KiB/s; storage.cfg limits still apply (0: none of your own)")
    Long bwlimit;

    @Option(names = {"--with-snapshots", "-with-snapshots"}, arity = "0..1", fallbackValue = "1",
            paramLabel = "0|1", converter = Converters.Flag.class,
            description = "whether the stream carries the volume's snapshots (default 0)")
    Converters.Switch withSnapshots = Converters.Switch.OFF;

    @Option(names = {"--snapshot", "-snapshot"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "snapshot to copy")
    SnapshotName snapshot;

    @Option(names = {"--allow-rename", "-allow-rename"}, arity = "0..1", fallbackValue = "1", paramLabel = "0|1",
            converter = Converters.Flag.class,
            description = "import under the next free name if DST-VOLID exists (default 0)")
    Converters.Switch allowRename = Converters.Switch.OFF;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        Storage source = ctx.storage(from);
        Storage target = ctx.storage(to);
        TransferOptions opts = new TransferOptions(Optional.ofNullable(snapshot), Optional.empty(),
                withSnapshots.on(), List.of(), allowRename.on(), Optional.empty());
        BandwidthLimit limit = BandwidthLimit.resolve(BandwidthLimit.Operation.MOVE,
                List.of(source.section(), target.section()),
                bwlimit == null ? OptionalLong.empty() : OptionalLong.of(bwlimit), Optional.empty());
        TransferRequest req = TransferRequest.negotiate(source, from, target, to, opts, Optional.ofNullable(format),
                limit);
        TransferResult result = new TransferRunner(new ImportTransaction(ctx.registry().env()), ctx.linux()::growPipe).run(req, ctx.progress());
        if (result.local() && !ctx.quiet) {
            ctx.err().println("copy " + from + " to " + result.imported() + ": " + result.inPlace().orElseThrow());
        }
        root.ctx.out().println("successfully imported '" + result.imported() + "'");
        return 0;
    }

    /** A bandwidth limit in KiB/s: a whole number from 0 (no limit of the caller's own) up to the largest. */
    static final class KiBps implements ITypeConverter<Long> {
        @Override
        public Long convert(String s) {
            if (!s.matches("[0-9]{1,18}") || Long.parseLong(s) > BwLimit.MAX_KIBPS) {
                throw new TypeConversionException("invalid bandwidth limit '" + s + "' (a whole number of KiB/s"
                        + " from 0 to " + BwLimit.MAX_KIBPS + ")");
            }
            return Long.parseLong(s);
        }
    }
}
