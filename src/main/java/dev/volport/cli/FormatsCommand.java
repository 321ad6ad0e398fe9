package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code export-formats} and {@code import-formats}: the formats of a volume, best first, one per line. */
final class FormatsCommand {
    private FormatsCommand() {
    }

    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        VolportCommand root;

        @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class)
        VolumeId volume;

        @Mixin
        TransferOptionsMixin transfer;

        abstract List<StreamFormat> formats(Storage storage) throws IOException;

        @Override
        public Integer call() throws IOException {
            for (StreamFormat f : formats(root.ctx.storage(volume))) {
                System.out.println(f.wireName());
            }
            return 0;
        }
    }

    @Command(name = "export-formats", description = "List the formats a volume can be exported in, best first.")
    static final class Export extends Base {
        @Override
        List<StreamFormat> formats(Storage storage) throws IOException {
            return storage.exportFormats(storage.parseName(volume.volName()), transfer.toOptions(false, null));
        }
    }

    @Command(name = "import-formats", description = "List the formats a volume can be imported from, best first.")
    static final class Import extends Base {
        @Override
        List<StreamFormat> formats(Storage storage) throws IOException {
            return storage.importFormats(storage.parseName(volume.volName()), transfer.toOptions(false, null));
        }
    }
}
