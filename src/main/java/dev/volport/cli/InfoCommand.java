package dev.volport.cli;

import dev.volport.storage.VolumeInfo;
import dev.volport.storage.Storage;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport info VOLID}: size, allocation, format of one volume. */
@Command(name = "info", description = "Show a volume's format, virtual size and allocated bytes.",
        footerHeading = "%nExamples:%n",
        footer = "  volport info local:100/vm-100-disk-0.qcow2 --output json")
final class InfoCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
            description = "the volume, STOREID:VOLNAME")
    VolumeId volume;

    @Mixin
    OutputMixin output;

    @Override
    public Integer call() throws IOException {
        Storage storage = root.ctx.storage(volume);
        VolumeName name = storage.parseName(volume.volName());
        VolumeInfo v = storage.info(name);
        Map<String, Object> m = VolumeCommands.toMap(v);
        if (output.json()) {
            // the same facts also under qemu-img info --output=json's names, for scripts written against it
            m.put("filename", storage.path(name).toString());
            m.put("virtual-size", v.size());
            m.put("actual-size", v.used());
            m.put("backing-filename", v.parent().orElse(null));
            root.ctx.out().println(Json.write(m));
        } else {
            m.put("path", storage.path(name).toString());
            m.forEach((k, val) -> {
                if (val != null && !(val instanceof java.util.List<?> l && l.isEmpty())) {
                    root.ctx.out().println(k + ": " + val
                            + (k.equals("size") || k.equals("used") ? " (" + ProgressPrinter.bytes((Long) val) + ")"
                            : ""));
                }
            });
        }
        return 0;
    }
}
