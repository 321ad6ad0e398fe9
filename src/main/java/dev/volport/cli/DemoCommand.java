package dev.volport.cli;

import dev.volport.api.Volport;
import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.ImportTransaction;
import dev.volport.transfer.BandwidthLimit;
import dev.volport.transfer.TransferRequest;
import dev.volport.transfer.TransferResult;
import dev.volport.transfer.TransferRunner;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code volport demo}: the main job end to end on two scratch {@code dir} storages, explained step by step.
 * It builds its own storage.cfg, allocates a sparse raw disk, writes data into part of it, negotiates a format,
 * exports the disk as {@code raw+size} into an import on the other storage through the transfer runner
 * ({@code transfer.TransferRunner}, the same as {@code copy}), and compares digests.
 */
@Command(name = "demo", description = "Run an export | import between two scratch storages and explain it.",
        footerHeading = "%nExamples:%n",
        footer = {"  volport demo", "  volport demo --size 1G --dir /var/tmp/volport-demo --keep"})
final class DemoCommand implements Callable<Integer> {
    private static final int VMID = 100;

    @ParentCommand
    VolportCommand root;

    @Option(names = "--dir", paramLabel = "DIR", description = "scratch directory (default: a new one in /tmp);"
            + " a non-empty DIR gets a new subdirectory, and only what the demo made is removed")
    Path dir;

    @Option(names = "--size", paramLabel = "SIZE", converter = Converters.SizeKiB.class,
            description = "disk size (default: 256M)")
    long sizeKiB = 256 * 1024;

    @Option(names = "--keep", description = "keep what the demo made")
    boolean keep;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = root.ctx.out();
        DemoScratch work = DemoScratch.prepare(dir);
        Path scratch = work.dir();
        boolean ok = false;
        try {
            if (work.note() != null) {
                out.println("0. " + work.note() + ".");
            }
            StorageConfig cfg = StorageConfig.of(List.of(section("demo-src", work.storage("src")),
                    section("demo-dst", work.storage("dst"))));
            Files.writeString(work.own(scratch.resolve("storage.cfg")), cfg.write(), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
            root.ctx.useConfig(cfg);
            out.println("1. Two dir storages in " + scratch + " (config: " + scratch.resolve("storage.cfg") + "):");
            cfg.write().lines().forEach(l -> out.println("     " + l));

            Storage src = root.ctx.storage(StoreId.parse("demo-src"));
            Storage dst = root.ctx.storage(StoreId.parse("demo-dst"));
            VolumeId vol = src.alloc(VMID, Optional.empty(), DiskFormat.RAW, sizeKiB);
            VolumeName srcName = src.parseName(vol.volName());
            VolumeName dstName = dst.parseName(vol.volName());
            Path srcFile = work.own(src.path(srcName));
            long written = fill(srcFile, sizeKiB * 1024);
            out.printf("2. Allocated %s (%s, sparse) and wrote %s of data into it;%n     %s%n", vol,
                    ProgressPrinter.bytes(sizeKiB * 1024), ProgressPrinter.bytes(written), srcFile);

            TransferOptions opts = TransferOptions.DEFAULT;
            VolumeId target = new VolumeId(StoreId.parse("demo-dst"), vol.volName());
            List<StreamFormat> exp = src.exportFormats(srcName, opts);
            List<StreamFormat> imp = dst.importFormats(dstName, opts);
            TransferRequest req = TransferRequest.negotiate(src, vol, dst, target, opts, Optional.empty(),
                    BandwidthLimit.resolve(BandwidthLimit.Operation.MOVE, List.of(src.section(), dst.section()),
                            OptionalLong.empty(), Optional.empty()));
            StreamFormat format = req.format();
            out.printf("3. Negotiated the stream format: source offers %s, target accepts %s -> %s%n", exp, imp,
                    format);

            work.own(dst.path(dstName)); // the import makes exactly this name (no rename): a new dir
            // the transfer runner: export and import on two threads over an OS pipe, the first failure reported;
            // always the stream, which is what the demo shows (copy and migrate copy a raw disk in place)
            TransferResult result = new TransferRunner(new ImportTransaction(root.ctx.registry().env()),
                    root.ctx.linux()::growPipe).streaming().run(req, Progress.NONE);
            VolumeId imported = result.imported();
            double secs = result.elapsed().toNanos() / 1e9;
            out.printf("4. Exported %s as %s into a pipe and imported it as %s in %.2f s%n"
                    + "     (same as: volport export %s %s - | volport import %s %s -)%n",
                    vol, format, imported, secs, vol, format, target, format);

            Path dstFile = dst.path(dst.parseName(imported.volName()));
            String a = sha256(srcFile);
            String b = sha256(dstFile);
            long allocated = root.ctx.linux().allocatedBytes(dstFile);
            out.printf("5. SHA-256 source %s%n   SHA-256 target %s  %s%n", a, b, a.equals(b) ? "(identical)"
                    : "(DIFFERENT)");
            out.printf("   The target is sparse: %s allocated for a %s disk (zero blocks were not written).%n",
                    ProgressPrinter.bytes(allocated), ProgressPrinter.bytes(Files.size(dstFile)));
            if (!a.equals(b)) {
                throw new IOException("demo: digests differ between " + srcFile + " and " + dstFile);
            }
            out.println("Done: the volume moved intact" + (keep ? "; files kept in " + scratch : "") + ".");
            ok = true;
            return 0;
        } finally {
            if (!keep) {
                List<Path> kept = work.clean();
                if (!kept.isEmpty()) {
                    (ok ? out : root.ctx.err()).println("volport: demo: kept " + kept + " in " + scratch
                            + ": not made by the demo");
                }
            }
        }
    }

    private static StorageSection section(String id, Path path) throws IOException {
        return StorageSection.builder(Volport.section("dir"), StoreId.parse(id)).property("path", path.toString())
                .property("content", "images,rootdir").build();
    }

    /** Writes 1 MiB of pseudo-random data into every fourth MiB, leaving the rest as holes. */
    private static long fill(Path file, long size) throws IOException {
        Random rnd = new Random(42);
        ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        long written = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            for (long pos = 0; pos < size; pos += 4L << 20) {
                rnd.nextBytes(buf.array());
                buf.clear().limit((int) Math.min(buf.capacity(), size - pos));
                written += buf.remaining();
                ch.write(buf, pos);
            }
        }
        return written;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
