package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.SnapshotName;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code volport import VOLID FORMAT FILE}: reads a stream into a new volume and prints
 * {@code successfully imported 'VOLID'} once it is durable.
 */
@Command(name = "import", description = "Import a stream into a new volume (FILE '-' = stdin).",
        footerHeading = "%nExamples:%n", footer = {
            "  volport export local:100/vm-100-disk-0.raw raw+size - -with-snapshots 0 \\",
            "    | ssh other-host volport import local:100/vm-100-disk-0.raw raw+size - \\",
            "        -with-snapshots 0 -allow-rename 1",
            "  volport import backup:100/vm-100-disk-0.qcow2 qcow2+size disk.stream \\",
            "    --with-snapshots 1"})
final class ImportCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class)
    VolumeId volume;

    @Parameters(index = "1", paramLabel = "FORMAT", converter = Converters.Format.class)
    StreamFormat format;

    @Parameters(index = "2", paramLabel = "FILE", description = "'-' for stdin, or a file")
    String file;

    @Mixin
    TransferOptionsMixin transfer;

    @Option(names = {"--allow-rename", "-allow-rename"}, arity = "0..1", fallbackValue = "1", paramLabel = "0|1",
            converter = Converters.Flag.class,
            description = "import under the next free name if the volume exists (default 0)")
    Converters.Switch allowRename = Converters.Switch.OFF;

    @Option(names = {"--delete-snapshot", "-delete-snapshot"}, paramLabel = "NAME",
            converter = Converters.DeleteSnapshot.class,
            description = "delete this snapshot after a successful import")
    SnapshotName deleteSnapshot;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        if (file.startsWith("tcp://") || file.startsWith("unix://")) {
            throw new UsageException("import from " + file.substring(0, file.indexOf(':'))
                    + ":// is not implemented yet (use '-' and a pipe)");
        }
        Storage storage = ctx.storage(volume);
        if (deleteSnapshot != null && storage.snapshots().isEmpty()) {
            throw new UsageException("--delete-snapshot is not supported by storage type '"
                    + storage.section().type().id() + "'");
        }
        VolumeName name = storage.parseName(volume.volName());
        var opts = transfer.toOptions(allowRename.on(), deleteSnapshot);
        ImportTransaction transaction = new ImportTransaction(ctx.registry().env());
        VolumeId imported;
        if ("-".equals(file)) {
            ctx.linux().growPipe(0, ExportCommand.PIPE_BYTES);
            imported = transaction.run(storage, name, format, opts, ctx.stdin(), ctx.progress());
        } else {
            try (ReadableByteChannel in = FileChannel.open(Path.of(file), StandardOpenOption.READ)) {
                imported = transaction.run(storage, name, format, opts, in, ctx.progress());
            } catch (NoSuchFileException e) {
                throw new IOException("cannot open '" + file + "': no such file");
            }
        }
        if (deleteSnapshot != null) {
            // as the reference, after the import succeeded; the volume stays whatever happens here
            try {
                storage.snapshots().orElseThrow().delete(storage.parseName(imported.volName()), deleteSnapshot);
            } catch (IOException e) {
                root.ctx.err().println("volport: imported '" + imported + "' but could not delete its snapshot '"
                        + deleteSnapshot + "': " + e.getMessage());
            }
        }
        root.ctx.out().println("successfully imported '" + imported + "'");
        return 0;
    }
}
