package dev.volport.storage.btrfs;

import dev.volport.format.StreamFormat;
import dev.volport.storage.TransferOptions;
import dev.volport.volume.DirVolumeName;
import dev.volport.volume.DiskFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * The format lists of a {@code btrfs} storage as the reference computes them ({@code BTRFSPlugin.pm
 * volume_export_formats}, reference §1.1): {@code btrfs} first when a snapshot is named, except for an incremental
 * stream with snapshots that does not list them explicitly; then the directory storage's list ({@code raw+size}
 * for a raw disk, {@code tar+size} for a subvolume, never with snapshots or a base, and for an export never of a
 * snapshot). Import lists are the export lists but for the snapshot rule of the directory part. No I/O.
 */
final class BtrfsFormats {
    private BtrfsFormats() {
    }

    static List<StreamFormat> export(DirVolumeName vol, TransferOptions o) {
        return formats(vol, o, o.snapshot().isEmpty());
    }

    static List<StreamFormat> importing(DirVolumeName vol, TransferOptions o) {
        return formats(vol, o, true);
    }

    /** {@code --with-snapshots}, or an explicit {@code --snapshot-list}, which replaces it as in the reference. */
    static boolean withSnapshots(TransferOptions o) {
        return o.withSnapshots() || !o.snapshotList().isEmpty();
    }

    private static List<StreamFormat> formats(DirVolumeName vol, TransferOptions o, boolean snapshotAllowed) {
        if (vol.format() != DiskFormat.RAW && vol.format() != DiskFormat.SUBVOL || vol.base().isPresent()) {
            return List.of();
        }
        List<StreamFormat> out = new ArrayList<>();
        boolean implicitIncremental = o.base().isPresent() && o.withSnapshots() && o.snapshotList().isEmpty();
        if (o.snapshot().isPresent() && !implicitIncremental) {
            out.add(StreamFormat.BTRFS);
        }
        if (o.base().isEmpty() && snapshotAllowed && !withSnapshots(o)) {
            if (vol.format() == DiskFormat.SUBVOL) {
                out.add(StreamFormat.TAR_SIZE);
            } else {
                out.add(StreamFormat.RAW_SPARSE); // volport's own, first among the streams of the disk's content
                out.add(StreamFormat.RAW_SIZE);
            }
        }
        return List.copyOf(out);
    }
}
