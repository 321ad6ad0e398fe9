package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code export-formats} and {@code import-formats}: the formats of a volume, best first, one per line (or with
 * {@code --output json}, an object with the volume and the list).
 */
final class FormatsCommand {
    private FormatsCommand() {
    }

    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        VolportCommand root;

        @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
                description = "the volume, STOREID:VOLNAME")
        VolumeId volume;

        @Mixin
        TransferOptionsMixin transfer;

        @Mixin
        OutputMixin output;

        abstract List<StreamFormat> formats(Storage storage) throws IOException;

        @Override
        public Integer call() throws IOException {
            List<String> names = formats(root.ctx.storage(volume)).stream().map(StreamFormat::wireName).toList();
            if (output.json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("volid", volume.toString());
                m.put("formats", names);
                root.ctx.out().println(Json.write(m));
            } else {
                names.forEach(root.ctx.out()::println);
            }
            return 0;
        }
    }

    @Command(name = "export-formats", description = "List the formats a volume can be exported in, best first.",
            footerHeading = "%nExamples:%n",
            footer = "  volport export-formats local:100/vm-100-disk-0.qcow2 --with-snapshots 1")
    static final class Export extends Base {
        @Override
        List<StreamFormat> formats(Storage storage) throws IOException {
            return storage.exportFormats(storage.parseName(volume.volName()), transfer.toOptions(false, null));
        }
    }

    @Command(name = "import-formats", description = "List the formats a volume can be imported from, best first.",
            footerHeading = "%nExamples:%n",
            footer = "  ssh other-host volport import-formats local:100/vm-100-disk-0.raw")
    static final class Import extends Base {
        @Override
        List<StreamFormat> formats(Storage storage) throws IOException {
            return storage.importFormats(storage.parseName(volume.volName()), transfer.toOptions(false, null));
        }
    }
}
