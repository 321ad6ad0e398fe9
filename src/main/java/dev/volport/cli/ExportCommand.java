package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport export VOLID FORMAT FILE}: writes a volume as a stream, to a file or to stdout. */
@Command(name = "export", description = "Export a volume as a stream (FILE '-' = stdout; nothing else goes there).",
        footerHeading = "%nExamples:%n", footer = {
            "  volport export local:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 \\",
            "    | ssh other-host volport import local:100/vm-100-disk-0.raw raw+size - \\",
            "        -with-snapshots 0 -allow-rename 1",
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
            description = "raw+size, tar+size, qcow2+size, vmdk+size, zfs, btrfs")
    StreamFormat format;

    @Parameters(index = "2", paramLabel = "FILE")
    String file;

    @Mixin
    TransferOptionsMixin transfer;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        Storage storage = ctx.storage(volume);
        var opts = transfer.toOptions(false, null);
        if ("-".equals(file)) {
            FileChannel out = ctx.takeStdout();
            ctx.linux().growPipe(1, PIPE_BYTES);
            storage.exportVolume(volume.volName(), format, opts, out, ctx.progress());
            return 0;
        }
        Path path = Path.of(file);
        boolean done = false;
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            storage.exportVolume(volume.volName(), format, opts, out, ctx.progress());
            out.force(true);
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(path);
            }
        }
        return 0;
    }
}
