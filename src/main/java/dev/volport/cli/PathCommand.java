package dev.volport.cli;

import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport path VOLID}. */
@Command(name = "path", description = "Print where a volume lives on this host.",
        footerHeading = "%nExamples:%n",
        footer = "  qemu-img check \"$(volport path local:100/vm-100-disk-0.qcow2)\"")
final class PathCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
            description = "the volume, STOREID:VOLNAME")
    VolumeId volume;

    @Override
    public Integer call() throws IOException {
        var storage = root.ctx.storage(volume);
        root.ctx.out().println(storage.path(storage.parseName(volume.volName())));
        return 0;
    }
}
