package dev.volport.storage;

import dev.volport.format.Compression;
import dev.volport.volume.SnapshotName;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The reference's export/import options, as one value.
 *
 * @param snapshot      {@code --snapshot}: export that snapshot's state / the current-state snapshot of the stream
 * @param base          {@code --base}: base snapshot of an incremental stream
 * @param withSnapshots {@code --with-snapshots}: the stream carries the volume's snapshots
 * @param snapshotList  {@code --snapshot-list}: explicit snapshots to send (btrfs only); empty when not given
 * @param allowRename   {@code --allow-rename}: import under the next free name when the target exists
 * @param deleteSnapshot {@code --delete-snapshot}: remove this snapshot after a successful import
 * @param compression   volport's {@code --compress} on export, for formats that can carry it ({@code raw+sparse});
 *                      ignored by the others and on import (a stream says itself what it compressed)
 */
public record TransferOptions(Optional<SnapshotName> snapshot, Optional<SnapshotName> base, boolean withSnapshots,
        List<SnapshotName> snapshotList, boolean allowRename, Optional<SnapshotName> deleteSnapshot,
        Compression compression) {

    /** No snapshot, no base, without snapshots, no rename, no compression. */
    public static final TransferOptions DEFAULT =
            new TransferOptions(Optional.empty(), Optional.empty(), false, List.of(), false, Optional.empty());

    public TransferOptions {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(base, "base");
        snapshotList = List.copyOf(snapshotList);
        Objects.requireNonNull(deleteSnapshot, "deleteSnapshot");
        Objects.requireNonNull(compression, "compression");
    }

    /** The reference's options, without compression. */
    public TransferOptions(Optional<SnapshotName> snapshot, Optional<SnapshotName> base, boolean withSnapshots,
            List<SnapshotName> snapshotList, boolean allowRename, Optional<SnapshotName> deleteSnapshot) {
        this(snapshot, base, withSnapshots, snapshotList, allowRename, deleteSnapshot, Compression.NONE);
    }

    public TransferOptions withAllowRename(boolean allow) {
        return new TransferOptions(snapshot, base, withSnapshots, snapshotList, allow, deleteSnapshot, compression);
    }

    public TransferOptions withCompression(Compression c) {
        return new TransferOptions(snapshot, base, withSnapshots, snapshotList, allowRename, deleteSnapshot, c);
    }
}
