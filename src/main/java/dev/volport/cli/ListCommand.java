package dev.volport.cli;

import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.StoreId;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport list STOREID [--vmid N] [--content TYPE]}: the volumes of a storage, like {@code pvesm list}. */
@Command(name = "list", description = "List the volumes of a storage.",
        footerHeading = "%nExamples:%n",
        footer = {"  volport list local", "  volport list local --vmid 100 --output json", "  volport list local --content backup"})
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "STOREID", converter = Converters.Store.class,
            description = "a storage of storage.cfg")
    StoreId store;

    @Option(names = {"--vmid", "-vmid"}, paramLabel = "N", converter = Converters.Vmid.class,
            description = "only this guest's volumes")
    Integer vmid;

    @Option(names = {"--content", "-content"}, paramLabel = "TYPE", converter = Converters.Content.class,
            description = "only volumes of this content type: images, rootdir, iso, vztmpl, backup, snippets, import")
    ContentType content;

    @Mixin
    OutputMixin output;

    @Override
    public Integer call() throws IOException {
        Set<ContentType> types = content == null ? EnumSet.allOf(ContentType.class) : EnumSet.of(content);
        List<VolumeInfo> vols = new ArrayList<>(root.ctx.storage(store).list(vmid == null ? OptionalInt.empty()
                : OptionalInt.of(vmid), types));
        // pvesm list's order (volume_list): by volume id, ignoring case
        vols.sort(Comparator.comparing((VolumeInfo v) -> v.volid().toString().toLowerCase(Locale.ROOT))
                .thenComparing(v -> v.volid().toString()));
        if (output.json()) {
            root.ctx.out().println(Json.write(vols.stream().map(VolumeCommands::toMap).toList()));
            return 0;
        }
        int w = Math.max(5, vols.stream().mapToInt(v -> v.volid().toString().length()).max().orElse(0));
        root.ctx.out().printf("%-" + w + "s %-9s %-8s %15s %15s %s%n", "Volid", "Format", "Type", "Size", "Used",
                "VMID");
        for (VolumeInfo v : vols) {
            root.ctx.out().printf("%-" + w + "s %-9s %-8s %15d %15d %s%n", v.volid(), v.formatLabel(),
                    v.content().id(), v.size(), v.used(), v.vmid().isPresent() ? v.vmid().getAsInt() : "");
        }
        return 0;
    }
}
