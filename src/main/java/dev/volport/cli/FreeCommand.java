package dev.volport.cli;

import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport free VOLID}: deletes a volume and prints {@code Removed volume 'VOLID'} on stdout. */
@Command(name = "free", description = "Delete a volume; prints Removed volume 'VOLID' like pvesm.",
        footerHeading = "%nExamples:%n",
        footer = "  volport free local:100/vm-100-disk-1.qcow2")
final class FreeCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
            description = "the volume, STOREID:VOLNAME")
    VolumeId volume;

    @Override
    public Integer call() throws IOException {
        var storage = root.ctx.storage(volume);
        storage.free(storage.parseName(volume.volName()));
        // pvesm's words for the same (its free runs a task that prints them), like alloc's and import's lines
        root.ctx.out().println("Removed volume '" + volume + "'");
        return 0;
    }
}
