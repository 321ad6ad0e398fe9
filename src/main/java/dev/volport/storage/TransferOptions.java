package dev.volport.storage;

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
 */
public record TransferOptions(Optional<SnapshotName> snapshot, Optional<SnapshotName> base, boolean withSnapshots,
        List<SnapshotName> snapshotList, boolean allowRename, Optional<SnapshotName> deleteSnapshot) {

    /** No snapshot, no base, without snapshots, no rename. */
    public static final TransferOptions DEFAULT =
            new TransferOptions(Optional.empty(), Optional.empty(), false, List.of(), false, Optional.empty());

    public TransferOptions {
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(base, "base");
        snapshotList = List.copyOf(snapshotList);
        Objects.requireNonNull(deleteSnapshot, "deleteSnapshot");
    }

    public TransferOptions withAllowRename(boolean allow) {
        return new TransferOptions(snapshot, base, withSnapshots, snapshotList, allow, deleteSnapshot);
    }
}
