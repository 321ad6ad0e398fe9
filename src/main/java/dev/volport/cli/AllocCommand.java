package dev.volport.cli;

import dev.volport.storage.Storage;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code volport alloc STOREID VMID NAME SIZE [--format F]}. */
@Command(name = "alloc", description = "Allocate a volume. NAME '' or '-' picks the next free vm-VMID-disk-N.",
        footerHeading = "%nExamples:%n",
        footer = {"  volport alloc local 100 '' 32G", "  volport alloc local 100 vm-100-disk-1.qcow2 512MiB"})
final class AllocCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "STOREID", converter = Converters.Store.class,
            description = "a storage of storage.cfg")
    StoreId store;

    @Parameters(index = "1", paramLabel = "VMID", converter = Converters.Vmid.class,
            description = "the guest the volume belongs to")
    int vmid;

    @Parameters(index = "2", paramLabel = "NAME",
            description = "file name such as vm-100-disk-1.qcow2, or '' or '-' for the next free one")
    String name;

    @Parameters(index = "3", paramLabel = "SIZE", converter = Converters.SizeKiB.class,
            description = "a whole number of KiB, or with a unit: K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024),"
                    + " or B (bytes, a multiple of 1024)")
    long sizeKiB;

    @Option(names = {"--format", "-format"}, paramLabel = "FORMAT", description = "raw, subvol (default: from"
            + " NAME's extension, else the storage's format, else raw)")
    String format;

    @Override
    public Integer call() throws IOException {
        Storage storage = root.ctx.storage(store);
        Optional<String> fileName = name.isEmpty() || name.equals("-") ? Optional.empty() : Optional.of(name);
        DiskFormat fmt;
        if (format != null) {
            fmt = DiskFormat.fromId(format).orElseThrow(() -> new UsageException("unknown format '" + format + "'"));
        } else if (fileName.isPresent() && fileName.get().contains(".")) {
            String ext = fileName.get().substring(fileName.get().lastIndexOf('.') + 1);
            fmt = DiskFormat.fromId(ext).orElseThrow(() -> new UsageException("unknown format '" + ext + "'"));
        } else {
            fmt = storage.section().format().orElse(DiskFormat.RAW);
        }
        var id = storage.alloc(vmid, fileName, fmt, sizeKiB);
        root.ctx.out().println("successfully created '" + id + "'");
        return 0;
    }
}
