package dev.volport.cli;

import dev.volport.io.ContentDigest;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.TeeSink;
import dev.volport.storage.Storage;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code volport checksum VOLID}: the content digest of a disk image volume ({@link ContentDigest}), the value a
 * {@code raw+sparse} stream carries in its trailer and its importer verifies. It depends on the guest content only:
 * a raw disk, its qcow2 and VMDK copies and every stream of them have the same one.
 */
@Command(name = "checksum", description = "Print the content digest of a disk image (the same whatever format or"
        + " sparseness holds the content; see docs/formats.md).",
        footerHeading = "%nExamples:%n", footer = {
            "  volport checksum local:100/vm-100-disk-0.qcow2",
            "  volport checksum local:100/vm-100-disk-0.qcow2 --snapshot before-upgrade --output json"})
final class ChecksumCommand implements Callable<Integer> {
    @ParentCommand
    VolportCommand root;

    @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
            description = "the volume, STOREID:VOLNAME")
    VolumeId volume;

    @Option(names = {"--snapshot", "-snapshot"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "the snapshot's content instead of the current state (qcow2)")
    SnapshotName snapshot;

    @Mixin
    OutputMixin output;

    @Override
    public Integer call() throws IOException {
        Context ctx = root.ctx;
        Storage storage = ctx.storage(volume);
        VolumeName name = storage.parseName(volume.volName());
        TransferOptions opts = new TransferOptions(Optional.ofNullable(snapshot), Optional.empty(), false,
                java.util.List.of(), false, Optional.empty());
        ContentDigest digest = new ContentDigest();
        Progress progress = ctx.progress();
        String what = volume.toString();
        try {
            storage.readContent(name, opts, size -> {
                progress.start("checksum " + what, size);
                return new ExactLengthSink(new TeeSink(digest, new Counter(progress)), size, what);
            });
        } finally {
            progress.finish();
        }
        if (output.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("volid", what);
            m.put("snapshot", snapshot == null ? null : snapshot.value());
            m.put("algorithm", ContentDigest.ALGORITHM);
            m.put("digest", digest.hex());
            m.put("size", digest.size());
            ctx.out().println(Json.write(m));
        } else {
            ctx.out().println(digest.hex() + "  " + what + (snapshot == null ? "" : "@" + snapshot.value()));
        }
        return 0;
    }

    /** Advances the progress by every event's length. */
    private record Counter(Progress progress) implements ExtentSink {
        @Override
        public void data(FileChannel file, long offset, long length) {
            progress.advance(length);
        }

        @Override
        public void bytes(ByteBuffer buf) {
            progress.advance(buf.remaining());
            buf.position(buf.limit());
        }

        @Override
        public void zeros(long length) {
            progress.advance(length);
        }

        @Override
        public void finish() {
        }
    }
}
