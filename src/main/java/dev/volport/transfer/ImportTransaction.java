package dev.volport.transfer;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.format.raw.SparseRawImporter;
import dev.volport.format.sparse.SparseDecoder;
import dev.volport.format.tar.TarImporter;
import dev.volport.format.tar.TarLimits;
import dev.volport.io.Progress;
import dev.volport.io.SectorPaddedChannel;
import dev.volport.io.SparseFileSink;
import dev.volport.storage.ImageCodec;
import dev.volport.storage.ImportTarget;
import dev.volport.storage.Landing;
import dev.volport.storage.Rollback;
import dev.volport.storage.StagingObject;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.Warnings;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.Optional;

/**
 * One import, for any storage type, as a transaction (DESIGN §5):
 * <ol>
 *   <li>validate without reading a byte: the storage imports the format at all, the format's with-snapshots rule
 *       ({@link FormatRules}), incremental streams only where the storage takes them, then the storage's own checks
 *       ({@link Storage#prepareImport}), then a decoder exists from the stream format to the storage's
 *       {@link Landing}, then the target name is free (or may be renamed);</li>
 *   <li>read the framing (the size header, if the format has one);</li>
 *   <li>stage: the storage picks the final name under its lock and creates a locked staging object;</li>
 *   <li>write through the decoder and verify: a raw stream into a raw file is an exact-length sparse copy, into a
 *       qcow2/VMDK file a conversion; an image stream is copied to its end and validated; a tar stream is extracted
 *       with limits; a send stream is copied into the storage's sink;</li>
 *   <li>make the data durable, commit without replacing (the storage makes the name durable);</li>
 *   <li>on any failure, or SIGINT/SIGTERM meanwhile, discard the staging object ({@link Rollback}).</li>
 * </ol>
 * The storage supplies only its checks, its landing and its staging objects; it never sees the decoders.
 */
public final class ImportTransaction {
    /** How the stream's bytes become the staging object's content. */
    private enum Decoder {
        /** raw stream into a raw file: exact length, zero blocks left as holes */
        SPARSE_RAW,
        /** raw stream converted into a qcow2/VMDK image while it arrives */
        CONVERT,
        /** raw+sparse records into a raw file (holes for zeros), digest verified before the commit */
        SPARSE_INTO_RAW,
        /** raw+sparse records converted into a qcow2/VMDK image, digest verified before the commit */
        SPARSE_CONVERT,
        /** the image file itself, copied to the end of the stream and validated before the commit */
        VERBATIM,
        /** a tar stream extracted into the staging directory */
        TAR,
        /** a send stream copied as it is into the storage's sink */
        SINK
    }

    private final StorageEnvironment env;

    /** Imports run with {@code env}'s signal guard and warnings. */
    public ImportTransaction(StorageEnvironment env) {
        this.env = Objects.requireNonNull(env, "env");
    }

    /**
     * Reads a stream in {@code format} from {@code in} into the new volume {@code name} of {@code storage} (or,
     * with {@code allowRename}, the next free name) and commits it durably.
     *
     * @return the id of the volume that now exists
     * @throws StorageException one line naming the volume and what failed; nothing is left behind
     */
    public VolumeId run(Storage storage, VolumeName name, StreamFormat format, TransferOptions options,
            ReadableByteChannel in, Progress progress) throws IOException {
        ImportTarget target = prepare(storage, name, format, options);
        Landing landing = target.landing();
        Decoder decoder = decoder(format, landing);
        target.checkAvailable();
        FormatRules.Framing framing = FormatRules.readFraming(format, in);
        long size = framing.size();
        try (Rollback rollback = new Rollback(env)) {
            StagingObject staging = target.stage(size);
            rollback.add(staging::discard);
            try (staging) {
                write(decoder, landing, staging, framing, in, progress, target.requested().toString(),
                        env.warnings());
                VolumeId[] committed = new VolumeId[1];
                rollback.commit(() -> committed[0] = staging.commit());
                return committed[0];
            }
        }
    }

    /**
     * Every check {@link #run} makes before it reads a byte (steps 1-5: format, rules, the storage's checks, a
     * decoder, the name is free unless renaming allowed), without staging anything: for a receiver that should
     * refuse before a sender connects. {@link #run} checks again, as things may change in between.
     *
     * @throws StorageException as {@link #run} would before reading
     */
    public void check(Storage storage, VolumeName name, StreamFormat format, TransferOptions options)
            throws IOException {
        ImportTarget target = prepare(storage, name, format, options);
        decoder(format, target.landing());
        target.checkAvailable();
    }

    private static ImportTarget prepare(Storage storage, VolumeName name, StreamFormat format,
            TransferOptions options) throws IOException {
        String type = storage.section().type().id();
        if (!storage.capabilities().imports(format)) {
            throw new StorageException("volume import format '" + format + "' not available for storage type '"
                    + type + "'");
        }
        FormatRules.checkImport(format, options);
        if (options.base().isPresent() && !storage.capabilities().incremental()) {
            throw new StorageException("storage type '" + type + "' cannot import incremental streams (base '"
                    + options.base().get().value() + "')");
        }
        return storage.prepareImport(name, format, options);
    }

    /**
     * The decoder from {@code format} to {@code landing}.
     *
     * @throws StorageException when no decoder leads there: {@code cannot import format F into a file of format D},
     *         or an image format the storage has no codec for
     */
    private static Decoder decoder(StreamFormat format, Landing landing) throws StorageException {
        Optional<DiskFormat> data = FormatRules.data(format);
        if (landing.kind() == Landing.Kind.SINK || data.isEmpty()) {
            if (landing.kind() != Landing.Kind.SINK || data.isPresent()) {
                throw new StorageException("cannot import format " + format + " into a "
                        + (landing.kind() == Landing.Kind.SINK ? "sink" : "file") + " of format "
                        + landing.format().id());
            }
            return Decoder.SINK;
        }
        boolean converting = data.get() == DiskFormat.RAW && landing.kind() == Landing.Kind.FILE
                && landing.codec().isPresent();
        if (data.get() != landing.format() && !converting) {
            throw new StorageException("cannot import format " + format + " into a file of format "
                    + landing.format().id());
        }
        if (data.get() == DiskFormat.SUBVOL) {
            if (landing.kind() != Landing.Kind.TREE) {
                throw new StorageException("cannot import format " + format + " into a file of format subvol");
            }
            return Decoder.TAR;
        }
        if (landing.kind() != Landing.Kind.FILE) {
            throw new StorageException("cannot import format " + format + " into a directory");
        }
        boolean image = FormatRules.isImageFile(format);
        if (image && landing.codec().isEmpty()) {
            throw new StorageException("import of " + format + " needs native " + data.get().id()
                    + " support, not implemented yet");
        }
        if (format == StreamFormat.RAW_SPARSE) {
            return converting ? Decoder.SPARSE_CONVERT : Decoder.SPARSE_INTO_RAW;
        }
        return converting ? Decoder.CONVERT : image ? Decoder.VERBATIM : Decoder.SPARSE_RAW;
    }

    /** Says on stderr that a {@code raw+size} stream ended short of its sector-rounded header (see the channel). */
    private static void notePadding(SectorPaddedChannel body, String what, Warnings warnings) {
        if (body.padded() > 0) {
            warnings.println("volport: note: the raw+size stream for " + what + " ended " + body.padded()
                    + " bytes short of the size in its header, a whole number of 512-byte sectors (pvesm sends files"
                    + " whose size is not one so); those bytes are zeros");
        }
    }

    private static void write(Decoder decoder, Landing landing, StagingObject staging, FormatRules.Framing framing,
            ReadableByteChannel in, Progress progress, String what, Warnings warnings) throws IOException {
        long size = framing.size();
        progress.start("import " + what, decoder == Decoder.TAR || decoder == Decoder.VERBATIM
                || decoder == Decoder.SINK ? -1 : size);
        String doing = decoder == Decoder.TAR ? "extracting into" : "writing";
        try {
            switch (decoder) {
                case TAR -> {
                    TarLimits limits = size > 0 ? TarLimits.DEFAULTS.withMaxTotalBytes(size) : TarLimits.DEFAULTS;
                    new TarImporter().extract(in, staging.directory(), limits, progress);
                }
                case SPARSE_RAW -> {
                    FileChannel ch = staging.channel();
                    staging.setLength(size);
                    SectorPaddedChannel body = new SectorPaddedChannel(in, size);
                    new SparseRawImporter(staging.writeback(), staging.directOutput()).copy(body, size, ch, progress);
                    notePadding(body, what, warnings);
                }
                case CONVERT -> {
                    SectorPaddedChannel body = new SectorPaddedChannel(in, size);
                    codec(landing).convert(body, size, staging.channel(), progress, staging.writeback());
                    notePadding(body, what, warnings);
                }
                case SPARSE_INTO_RAW -> {
                    staging.setLength(size);
                    new SparseDecoder(framing.digest()).read(in, size,
                            new SparseFileSink(staging.channel(), staging.writeback(), staging.directOutput()), progress);
                }
                case SPARSE_CONVERT -> new SparseDecoder(framing.digest()).read(in, size,
                        codec(landing).converter(staging.channel(), size, staging.writeback()), progress);
                case VERBATIM -> {
                    FileChannel ch = staging.channel();
                    long length = new SparseRawImporter(staging.writeback(), staging.directOutput())
                            .copyToEnd(in, FormatRules.verbatimLimit(size), ch, progress);
                    staging.setLength(length);
                    codec(landing).validate(ch, what, size);
                }
                case SINK -> {
                    if (!staging.readsDirectly(in)) {
                        copy(in, staging.sink(), progress);
                    }
                }
            }
            staging.makeDurable();
        } catch (VolportException e) {
            throw new StorageException("import into " + what + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StorageException("import into " + what + " failed: " + doing + " '" + staging.where() + "': "
                    + e.getMessage(), e);
        } finally {
            progress.finish();
        }
    }

    private static ImageCodec codec(Landing landing) {
        return landing.codec().orElseThrow();
    }

    private static void copy(ReadableByteChannel in, WritableByteChannel out, Progress progress) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(SparseRawImporter.BUFFER);
        while (in.read(buf) >= 0) {
            buf.flip();
            int n = buf.remaining();
            while (buf.hasRemaining()) {
                out.write(buf);
            }
            progress.advance(n);
            buf.clear();
        }
    }
}
