package dev.volport.cli;

import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport free VOLID}. */
@Command(name = "free", description = "Delete a volume.")
final class FreeCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class)
    VolumeId volume;

    @Override
    public Integer call() throws IOException {
        var storage = root.ctx.storage(volume);
        storage.free(storage.parseName(volume.volName()));
        return 0;
    }
}
