package dev.volport.cli;

import dev.volport.storage.TransferOptions;
import dev.volport.volume.SnapshotName;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The reference's transfer options, in both spellings ({@code --with-snapshots} and {@code -with-snapshots});
 * booleans take {@code 0|1} or stand bare.
 */
final class TransferOptionsMixin {
    @Option(names = {"--snapshot", "-snapshot"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "snapshot to export; on import, the stream's current-state snapshot")
    SnapshotName snapshot;

    @Option(names = {"--base", "-base"}, paramLabel = "NAME", converter = Converters.Snapshot.class,
            description = "base snapshot of an incremental stream")
    SnapshotName base;

    @Option(names = {"--with-snapshots", "-with-snapshots"}, arity = "0..1", fallbackValue = "1",
            paramLabel = "0|1", converter = Converters.Flag.class,
            description = "whether the stream carries the volume's snapshots (default 0)")
    Converters.Switch withSnapshots = Converters.Switch.OFF;

    @Option(names = {"--snapshot-list", "-snapshot-list"}, paramLabel = "A,B", split = ",",
            converter = Converters.Snapshot.class,
            description = "snapshots to send (btrfs); implies --with-snapshots 1, as in pvesm")
    List<SnapshotName> snapshotList = new ArrayList<>();

    TransferOptions toOptions(boolean allowRename, SnapshotName deleteSnapshot) {
        // pvesm sets with_snapshots to the snapshot list when one is given: a list implies --with-snapshots 1
        return new TransferOptions(Optional.ofNullable(snapshot), Optional.ofNullable(base),
                withSnapshots.on() || !snapshotList.isEmpty(), snapshotList, allowRename,
                Optional.ofNullable(deleteSnapshot));
    }
}
