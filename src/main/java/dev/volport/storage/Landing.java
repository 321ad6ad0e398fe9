package dev.volport.storage;

import dev.volport.volume.DiskFormat;
import java.util.Objects;
import java.util.Optional;

/**
 * How an import's stream lands on a storage, as the storage describes it to the import transaction, which picks
 * the decoder from the stream format and this (see {@code transfer.ImportTransaction}).
 *
 * @param kind   a file, a directory tree, or a byte sink
 * @param format the disk format of what is written: {@code raw}, {@code qcow2}, {@code vmdk} for a file,
 *               {@code subvol} for a tree, the storage's own format for a sink
 * @param codec  for a qcow2/VMDK file, the codec that converts raw data into it and validates a received image;
 *               empty for raw files, trees and sinks, and for image formats the storage cannot handle natively
 */
public record Landing(Kind kind, DiskFormat format, Optional<ImageCodec> codec) {
    /** What the staging object gives write access to. */
    public enum Kind {
        /** a regular file ({@link StagingObject#channel()}) */
        FILE,
        /** a directory to extract into ({@link StagingObject#directory()}) */
        TREE,
        /** a byte sink such as a {@code zfs recv} ({@link StagingObject#sink()}) */
        SINK
    }

    public Landing {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(codec, "codec");
    }

    /** A raw file: the stream's data written as it is, zero blocks left as holes. */
    public static Landing rawFile() {
        return new Landing(Kind.FILE, DiskFormat.RAW, Optional.empty());
    }

    /** A qcow2 or VMDK file handled by {@code codec}. */
    public static Landing imageFile(DiskFormat format, ImageCodec codec) {
        return new Landing(Kind.FILE, format, Optional.of(codec));
    }

    /** A directory tree ({@code subvol}). */
    public static Landing tree() {
        return new Landing(Kind.TREE, DiskFormat.SUBVOL, Optional.empty());
    }
}
