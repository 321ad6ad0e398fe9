package dev.volport.storage.dir;

import dev.volport.format.StreamFormat;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.ContentType;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The format lists of a {@code dir} storage, exactly as the reference computes them
 * ({@code Plugin.pm volume_export_formats}/{@code volume_import_formats}, reference §1.1): pure functions of the
 * parsed volume name and the options, no I/O. One addition: a disk image (raw, qcow2, VMDK guest volume) lists
 * volport's {@code raw+sparse} before {@code raw+size}, so two volports pick it and a reference peer, which does not
 * list it, still gets {@code raw+size}.
 */
final class DirFormats {
    /** Volume types that travel as {@code raw+size} when they are not subvolumes. */
    private static final Set<ContentType> RAW_TYPES = Collections.unmodifiableSet(EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR,
            ContentType.ISO, ContentType.SNIPPETS, ContentType.VZTMPL, ContentType.IMPORT));

    /** Disk images: volport's {@code raw+sparse} first, then the reference's {@code raw+size}. */
    static final List<StreamFormat> IMAGE_RAW = List.of(StreamFormat.RAW_SPARSE, StreamFormat.RAW_SIZE);
    private static final Set<ContentType> IMAGE_TYPES = EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR);
    private static final Set<DiskFormat> IMAGE_FORMATS = EnumSet.of(DiskFormat.RAW, DiskFormat.QCOW2, DiskFormat.VMDK);

    private DirFormats() {
    }

    /**
     * Export: nothing for an incremental stream; for a snapshot, nothing either (the reference) except a qcow2
     * image's internal snapshot, which volport converts to {@code raw+size} (more than the reference lists, never
     * less); else the import rules.
     */
    static List<StreamFormat> export(DirVolumeName vol, TransferOptions opts) {
        if (opts.base().isPresent()) {
            return List.of();
        }
        if (opts.snapshot().isPresent()) {
            return vol.format() == DiskFormat.QCOW2 && !opts.withSnapshots() ? IMAGE_RAW : List.of();
        }
        return formats(vol, opts.withSnapshots());
    }

    /**
     * Import: nothing for an incremental stream (a current-state snapshot name is allowed), nothing for a linked
     * clone's name (an import makes a volume of its own; the reference would import it under another name).
     */
    static List<StreamFormat> importing(DirVolumeName vol, TransferOptions opts) {
        if (opts.base().isPresent() || vol.base().isPresent()) {
            return List.of();
        }
        return formats(vol, opts.withSnapshots());
    }

    private static List<StreamFormat> formats(DirVolumeName vol, boolean withSnapshots) {
        if (vol.ovaMember().isPresent()) {
            return List.of(); // a disk inside an OVA archive moves with the archive, never on its own
        }
        DiskFormat fmt = vol.format();
        if (withSnapshots) {
            return switch (fmt) {
                case QCOW2 -> List.of(StreamFormat.QCOW2_SIZE);
                case VMDK -> List.of(StreamFormat.VMDK_SIZE);
                default -> List.of();
            };
        }
        if (fmt == DiskFormat.SUBVOL) {
            return List.of(StreamFormat.TAR_SIZE);
        }
        if (IMAGE_TYPES.contains(vol.type()) && IMAGE_FORMATS.contains(fmt)) {
            return IMAGE_RAW;
        }
        return RAW_TYPES.contains(vol.type()) ? List.of(StreamFormat.RAW_SIZE) : List.of();
    }
}
