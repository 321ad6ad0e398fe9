package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.format.Compression;
import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code volport export VOLID FORMAT FILE}: writes a volume as a stream, to a file or to stdout.
 *
 * <p>Everything that can be checked without writing is checked before FILE is opened: the volume exists and can
 * be read, the format is one of its export formats, FILE's directory exists, and FILE is not inside a configured
 * storage. How FILE is written (replaced atomically, or written in place for FIFOs and devices) is
 * {@link OutputFile}'s policy.
 */
@Command(name = "export", description = "Export a volume as a stream (FILE '-' = stdout; nothing else goes there).",
        footerHeading = "%nExamples:%n", footer = {
            "  volport export local:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 \\",
            "    | ssh other-host volport import local:100/vm-100-disk-0.raw raw+size - \\",
            "        -with-snapshots 0 -allow-rename 1",
            "  volport export local:100/vm-100-disk-0.qcow2 raw+sparse - --compress zstd \\",
            "    | ssh other-host volport import local:100/vm-100-disk-0.raw raw+sparse -",
            "  volport export local:100/vm-100-disk-0.qcow2 qcow2+size disk.stream \\",
            "    --with-snapshots 1"})
final class ExportCommand implements Callable<Integer> {
    /** Pipe buffer asked for on stdout/stdin: the default 64 KiB costs a context switch every 64 KiB. */
    static final int PIPE_BYTES = 1 << 20;

    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class)
    VolumeId volume;

    @Parameters(index = "1", paramLabel = "FORMAT", converter = Converters.Format.class,
            description = "raw+size, tar+size, qcow2+size, vmdk+size, zfs, btrfs, raw+sparse")
    StreamFormat format;

    @Parameters(index = "2", paramLabel = "FILE")
    String file;

    @Mixin
    TransferOptionsMixin transfer;

    @Option(names = {"--compress", "-compress"}, paramLabel = "zstd[:LEVEL]", converter = Converters.Compress.class,
            description = "compress data records with zstd (LEVEL 1-22, default 3); raw+sparse only")
    Compression compress = Compression.NONE;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        String what = "export of " + volume;
        Storage storage = ctx.storage(volume);
        if (compress.enabled() && format != StreamFormat.RAW_SPARSE) {
            throw new UsageException(what + ": --compress applies to raw+sparse only, not to " + format);
        }
        TransferOptions opts = transfer.toOptions(false, null).withCompression(compress);
        VolumeName name = storage.parseName(volume.volName());
        List<StreamFormat> offered = storage.exportFormats(name, opts);
        if (!offered.contains(format)) {
            throw new VolportException(what + ": format " + format + " is not available (the volume offers "
                    + (offered.isEmpty() ? "none" : offered.stream().map(StreamFormat::toString)
                    .collect(Collectors.joining(", "))) + " with these options)");
        }
        storage.info(name); // the volume exists and its metadata reads: fails before FILE is opened
        if ("-".equals(file)) {
            FileChannel out = ctx.takeStdout();
            ctx.linux().growPipe(1, PIPE_BYTES);
            try {
                storage.exportVolume(name, format, opts, out, ctx.progress());
            } catch (IOException e) {
                throw failure(what, null, e);
            }
            return 0;
        }
        OutputFile.Target target = OutputFile.resolve(file, what);
        StorageFiles.refuse(target, name, storage, ctx.registry().config(), what);
        try (OutputFile out = OutputFile.open(target, ctx.linux(), ctx.guard(), ctx.warnings(), what)) {
            storage.exportVolume(name, format, opts, out.channel(), ctx.progress());
            out.commit();
        } catch (IOException e) {
            throw failure(what, target, e);
        }
        return 0;
    }

    /**
     * Names the output and the cause of a failure the JDK reported bare: errors only a write can raise (no space,
     * broken pipe, …) are the output's; any other bare error is reported with both ends named. volport's own
     * errors already say what failed and pass unchanged.
     */
    static IOException failure(String what, OutputFile.Target target, IOException e) {
        if (e instanceof VolportException) {
            return e;
        }
        String out = target == null ? "stdout" : "'" + target.given() + "'";
        String reason = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (reason.contains("broken pipe")) {
            return new VolportException(what + ": the reader " + (target == null ? "" : "of " + out + " ")
                    + "closed the stream (broken pipe)", e);
        }
        if (List.of("no space left", "disk quota", "file too large", "read-only file system", "connection reset")
                .stream().anyMatch(reason::contains)) {
            return new VolportException(what + ": cannot write " + (target == null ? "to " : "") + out + ": "
                    + OutputFile.reason(e), e);
        }
        return new VolportException(what + " into " + out + " failed: " + OutputFile.reason(e), e);
    }
}
