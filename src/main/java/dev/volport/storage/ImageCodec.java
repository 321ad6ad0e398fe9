package dev.volport.storage;

import dev.volport.config.Preallocation;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.WritebackHint;
import dev.volport.volume.SnapshotName;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.util.List;
import java.util.Optional;

/**
 * What a file-based storage and the import transaction need of an image format (qcow2, VMDK): the format packages'
 * readers, validators and writers behind one face, so export, import and allocation treat both alike. Channels are
 * never closed here.
 */
public interface ImageCodec {
    /** The guest-visible size in bytes, from the image's header. */
    long virtualSize(FileChannel image, String name) throws IOException;

    /** Internal snapshots, if the format has them. */
    List<String> snapshots(FileChannel image, String name) throws IOException;

    /** What a listing shows of an image, read from its own metadata without opening a backing file. */
    record Summary(long virtualSize, List<String> snapshots, Optional<String> backingFile) {
        public Summary {
            snapshots = List.copyOf(snapshots);
        }
    }

    /**
     * The image's size, snapshots and backing file name as stored (not resolved: a linked clone whose base is gone
     * is still described).
     */
    default Summary summary(FileChannel image, String name) throws IOException {
        return new Summary(virtualSize(image, name), snapshots(image, name), Optional.empty());
    }

    /** The base volume ({@code VMID/base-…}) a linked clone reads through, if the image is one. */
    Optional<String> baseVolume(FileChannel image, String name) throws IOException;

    /**
     * Emits the guest content (current state or {@code snapshot}) in order into {@code sink}, exactly its virtual
     * size, and finishes the sink before the image (and any backing file) is closed.
     */
    void read(FileChannel image, String name, Optional<SnapshotName> snapshot, ExtentSink sink) throws IOException;

    /** Checks a received image completely before it is committed; {@code declared} is the stream's size header. */
    void validate(FileChannel image, String name, long declared) throws IOException;

    /**
     * Writes an empty image of {@code size} bytes into the empty {@code out}, for the volume {@code name}.
     *
     * @throws dev.volport.format.FormatException when the format cannot hold {@code size} (0 for VMDK, above its
     *                                           limit for both), naming the volume, the size and the limit
     */
    void create(FileChannel out, String name, long size, Preallocation preallocation) throws IOException;

    /**
     * Converts exactly {@code size} raw bytes read from {@code raw} into an image written to the empty {@code out},
     * refusing a stream that is shorter or longer, and a size the format cannot hold (before reading a byte).
     */
    void convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress) throws IOException;

    /**
     * A sink that builds an image of exactly {@code size} bytes in the empty {@code out} from extent events, as
     * {@link #convert} does from a raw stream; the image is complete when the sink's {@code finish} returns. For
     * streams that arrive as extents ({@code raw+sparse}).
     *
     * @throws dev.volport.format.FormatException for a size the format cannot hold, before anything is written
     */
    ExtentSink converter(FileChannel out, long size, WritebackHint hint) throws IOException;

    /**
     * As {@link #convert(ReadableByteChannel, long, FileChannel, Progress)}, telling {@code hint} of written ranges
     * so that their writeback can start early; codecs that do not report any ignore it.
     */
    default void convert(ReadableByteChannel raw, long size, FileChannel out, Progress progress, WritebackHint hint)
            throws IOException {
        convert(raw, size, out, progress);
    }
}
