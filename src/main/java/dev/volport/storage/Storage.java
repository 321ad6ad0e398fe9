package dev.volport.storage;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One configured storage: the plugin interface every storage type implements. Volume names are the storage
 * type's own grammar (for {@code dir}: {@code 100/vm-100-disk-0.raw}, {@code iso/x.iso}, …).
 *
 * <p>Format lists ({@link #exportFormats}, {@link #importFormats}) do no I/O: they follow from the volume name,
 * the options and the storage section alone. Imports are transactions (DESIGN §5) run by
 * {@code transfer.ImportTransaction} through {@link #prepareImport}: on any failure nothing is left behind.
 */
public interface Storage {

    /** The section of {@code storage.cfg} this storage was opened from. */
    StorageSection section();

    /** What this storage can do: formats per content type, snapshots, linked clones, shared, reflink. No I/O. */
    Capabilities capabilities();

    /**
     * Parses a volume name in this storage type's grammar: the one place where text becomes a {@link VolumeName}.
     * Every other method takes the parsed value (and refuses one parsed by another storage type).
     *
     * @throws VolumeNameException naming the text and what is wrong with it
     */
    VolumeName parseName(String volname) throws VolumeNameException;

    /** The id of a volume of this storage. */
    default VolumeId id(VolumeName name) {
        return new VolumeId(section().id(), name.volname());
    }

    /** Formats this volume can be exported in, best first; empty when none. No I/O. */
    List<StreamFormat> exportFormats(VolumeName name, TransferOptions options) throws VolportException;

    /** Formats a stream for this volume name may arrive in, best first; empty when none. No I/O. */
    List<StreamFormat> importFormats(VolumeName name, TransferOptions options) throws VolportException;

    /**
     * Writes the volume to {@code out} in {@code format}. Nothing but the stream is written to {@code out}.
     *
     * @throws StorageException when the format is not available for the volume or the volume does not exist
     */
    void exportVolume(VolumeName name, StreamFormat format, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException;

    /**
     * Validates an import of a stream in {@code format} into a new volume {@code name} without reading a byte of
     * it: the name's content type and format against the storage, and (unless {@code allowRename}) that the volume
     * does not exist yet. The format's own rules (framing, with-snapshots, base) are the transaction's
     * ({@code transfer.ImportTransaction}), which then stages, writes and commits through the returned target.
     *
     * @throws StorageException naming the volume and why it cannot be imported
     */
    ImportTarget prepareImport(VolumeName name, StreamFormat format, TransferOptions options) throws IOException;

    /**
     * Creates a volume for guest {@code vmid}.
     *
     * @param fileName the volume's file name, or empty for the next free {@code vm-VMID-disk-N}
     * @param sizeKiB  size in KiB, like the reference
     */
    VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException;

    /** Removes a volume. */
    void free(VolumeName name) throws IOException;

    /** The volumes of this storage, of one guest if {@code vmid} is given, ordered by volume id. */
    List<VolumeInfo> list(OptionalInt vmid) throws IOException;

    /**
     * {@link #list(OptionalInt)} restricted to volumes of the given content types ({@code pvesm list --content}).
     * Storage types whose listing depends on the types asked for (dir: templates are not looked at when only
     * images are wanted) override this.
     */
    default List<VolumeInfo> list(OptionalInt vmid, Set<ContentType> content) throws IOException {
        return list(vmid).stream().filter(v -> content.contains(v.content())).toList();
    }

    /** Where the volume lives on this host. */
    Path path(VolumeName name) throws VolportException;

    /** Size, allocation and format of one volume. */
    VolumeInfo info(VolumeName name) throws IOException;

    /** Capacity and state. */
    StorageStatus status() throws IOException;

    /** Opens the sink for a volume's image once its size is known ({@link #readContent}). */
    @FunctionalInterface
    interface ContentSink {
        /** The sink for an image of {@code size} bytes (e.g. an encoder that has just written its header). */
        ExtentSink open(long size) throws IOException;
    }

    /**
     * Reads a disk image volume's guest content (its current state, or {@code options.snapshot()}) as extent events
     * into the sink {@code sinks} opens for its size, and finishes that sink before the volume is closed: what the
     * image exports and {@code volport checksum} share. Storage types whose volumes are not readable as images keep
     * this default, which refuses.
     *
     * @throws StorageException for a volume that is not a disk image, or a storage type that cannot read one
     */
    default void readContent(VolumeName name, TransferOptions options, ContentSink sinks) throws IOException {
        throw new StorageException(id(name) + ": storage type '" + section().type().id()
                + "' cannot read its volumes as disk images");
    }

    /**
     * Whether a migration of this volume must first take a snapshot of it and send that ({@code __migration__}),
     * because the storage can only send a consistent stream from a snapshot: the reference's
     * {@code storage_migrate_snapshot} (zfspool always, btrfs with snapshots). The migration then takes and removes
     * it through {@link #snapshots()}. No I/O. By default false; the migration also applies the reference's rule
     * to those two type names itself.
     */
    default boolean needsMigrationSnapshot(VolumeName name, TransferOptions options) {
        return false;
    }

    /** The snapshot operations, for a storage whose volumes can carry snapshots; empty otherwise. */
    default Optional<Snapshots> snapshots() {
        return Optional.empty();
    }
}
