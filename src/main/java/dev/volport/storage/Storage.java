package dev.volport.storage;

import dev.volport.VolportException;
import dev.volport.config.StorageSection;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One configured storage: the plugin interface every storage type implements. Volume names are the storage
 * type's own grammar (for {@code dir}: {@code 100/vm-100-disk-0.raw}, {@code iso/x.iso}, …).
 *
 * <p>Format lists ({@link #exportFormats}, {@link #importFormats}) do no I/O: they follow from the volume name,
 * the options and the storage section alone. Imports are transactions (DESIGN §5): on any failure nothing is
 * left behind.
 */
public interface Storage {

    /** The section of {@code storage.cfg} this storage was opened from. */
    StorageSection section();

    /** What this storage can do: formats per content type, snapshots, linked clones, shared, reflink. No I/O. */
    Capabilities capabilities();

    /** Formats this volume can be exported in, best first; empty when none. No I/O. */
    List<StreamFormat> exportFormats(String volname, TransferOptions options) throws VolportException;

    /** Formats a stream for this volume name may arrive in, best first; empty when none. No I/O. */
    List<StreamFormat> importFormats(String volname, TransferOptions options) throws VolportException;

    /**
     * Writes the volume to {@code out} in {@code format}. Nothing but the stream is written to {@code out}.
     *
     * @throws StorageException when the format is not available for the volume or the volume does not exist
     */
    void exportVolume(String volname, StreamFormat format, TransferOptions options, WritableByteChannel out,
            Progress progress) throws IOException;

    /**
     * Reads a stream in {@code format} from {@code in} into a new volume named {@code volname} (or, with
     * {@code allowRename}, the next free name) and commits it durably.
     *
     * @return the id of the volume that now exists
     */
    VolumeId importVolume(String volname, StreamFormat format, TransferOptions options, ReadableByteChannel in,
            Progress progress) throws IOException;

    /**
     * Creates a volume for guest {@code vmid}.
     *
     * @param fileName the volume's file name, or empty for the next free {@code vm-VMID-disk-N}
     * @param sizeKiB  size in KiB, like the reference
     */
    VolumeId alloc(int vmid, Optional<String> fileName, DiskFormat format, long sizeKiB) throws IOException;

    /** Removes a volume. */
    void free(String volname) throws IOException;

    /** The volumes of this storage, of one guest if {@code vmid} is given, ordered by volume id. */
    List<VolumeInfo> list(OptionalInt vmid) throws IOException;

    /** Where the volume lives on this host. */
    Path path(String volname) throws VolportException;

    /** Size, allocation and format of one volume. */
    VolumeInfo info(String volname) throws IOException;

    /** Capacity and state. */
    StorageStatus status() throws IOException;
}
