package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.SnapshotName;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import dev.volport.migrate.SocketReceiver;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
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

    @Parameters(index = "2", paramLabel = "FILE", description = "'-' for stdin, a file, tcp://IP[/CIDR] or unix://PATH (listen for one sender)")
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
        Storage storage = ctx.storage(volume);
        if (deleteSnapshot != null && storage.snapshots().isEmpty()) {
            throw new UsageException("--delete-snapshot is not supported by storage type '"
                    + storage.section().type().id() + "'");
        }
        VolumeName name = storage.parseName(volume.volName());
        var opts = transfer.toOptions(allowRename.on(), deleteSnapshot);
        ImportTransaction transaction = new ImportTransaction(ctx.registry().env());
        VolumeId imported;
        if (SocketReceiver.isEndpoint(file)) {
            imported = fromSocket(ctx, transaction, storage, name, opts);
        } else if ("-".equals(file)) {
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
                deleteSnapshot(storage, imported);
            } catch (IOException e) {
                root.ctx.err().println("volport: imported '" + imported + "' but could not delete its snapshot '"
                        + deleteSnapshot + "': " + e.getMessage());
            }
        }
        root.ctx.out().println("successfully imported '" + imported + "'");
        return 0;
    }

    /**
     * The reference's {@code --delete-snapshot}: after a successful import, the snapshot (a sender's migration
     * snapshot that came along in the stream) is removed from the new volume. A volume that does not carry it (a
     * stream without snapshots) has nothing to remove.
     */
    private void deleteSnapshot(Storage storage, VolumeId imported) throws IOException {
        VolumeName name = storage.parseName(imported.volName());
        var snapshots = storage.snapshots();
        if (snapshots.isPresent() && snapshots.get().list(name).contains(deleteSnapshot.value())) {
            snapshots.get().delete(name, deleteSnapshot);
        }
    }

    /**
     * The reference's receiver: everything is checked before listening, then the readiness lines go to stdout
     * (and nothing else goes there until the success line), one client is accepted within 30 s and its stream is
     * read until it half-closes the connection.
     */
    private VolumeId fromSocket(Context ctx, ImportTransaction transaction, Storage storage, VolumeName name,
            dev.volport.storage.TransferOptions opts) throws IOException {
        transaction.check(storage, name, format, opts); // refuse before a sender connects
        try (SocketReceiver receiver = SocketReceiver.listen(file)) {
            ctx.out().print(receiver.readiness());
            ctx.out().flush();
            try (SocketChannel in = receiver.accept(SocketReceiver.ACCEPT_TIMEOUT)) {
                in.shutdownOutput(); // nothing goes back to the sender: its read side sees the end at once
                return transaction.run(storage, name, format, opts, in, ctx.progress());
            }
        }
    }
}
