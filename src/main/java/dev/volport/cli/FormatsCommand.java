package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.storage.Storage;
import dev.volport.volume.StoreId;
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

    /**
     * {@code plan-import STOREID --name TYPE=VOLNAME… [options]} (hidden): what a migrating volport asks the target
     * host in one run instead of two ({@code status} for the storage's type, then {@code import-formats} for the name
     * that type gives the volume). The sender passes the target name for each storage type it could be; this
     * prints {@code type TYPE}, then for the name of that type {@code volid VOLID} and one {@code format F} line per
     * import format, best first (nothing more when the sender gave no name for it). Lines, not JSON: a volume name
     * never holds a newline, so no quoting is needed on either side.
     */
    @Command(name = "plan-import", hidden = true,
            description = "The storage type and the import formats a migration to this host needs, in one answer.",
            footerHeading = "%nExample:%n", footer = {
                "  volport plan-import local-zfs --name zfspool=vm-100-disk-0 --name dir=100/vm-100-disk-0.raw"})
    static final class Plan implements Callable<Integer> {
        @ParentCommand
        VolportCommand root;

        @Parameters(index = "0", paramLabel = "STOREID", converter = Converters.Store.class,
                description = "the target storage")
        StoreId store;

        @picocli.CommandLine.Option(names = "--name", paramLabel = "TYPE=VOLNAME",
                description = "the volume's name on a storage of type TYPE (repeatable)")
        List<String> names = new java.util.ArrayList<>();

        @Mixin
        TransferOptionsMixin transfer;

        @Override
        public Integer call() throws IOException {
            Storage storage = root.ctx.storage(store);
            String type = storage.section().type().id();
            root.ctx.out().println("type " + type);
            for (String n : names) {
                int eq = n.indexOf('=');
                if (eq > 0 && n.substring(0, eq).equals(type)) {
                    String volname = n.substring(eq + 1);
                    List<StreamFormat> formats = storage.importFormats(storage.parseName(volname),
                            transfer.toOptions(false, null));
                    root.ctx.out().println("volid " + new VolumeId(store, volname));
                    formats.forEach(f -> root.ctx.out().println("format " + f.wireName()));
                    break;
                }
            }
            return 0;
        }
    }
}
