package dev.volport.migrate;

import dev.volport.format.StreamFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One migration as the caller asks for it ({@code volport migrate}, {@code Volport.migrate}); the reference's
 * {@code storage_migrate} options.
 *
 * @param volume        the volume to migrate, on this host
 * @param targetStorage the storage it goes to (on {@code host}, or on this host)
 * @param host          the other host, for the {@code ssh}, {@code tcp} and {@code unix} transports
 * @param transport     {@link Transport#LOCAL} without a host; a remote transport with one
 * @param targetVolname the name on the target; else the same name for the same storage type, or the reference's
 *                      {@code volname_for_storage} mapping ({@link VolnameMapping})
 * @param snapshot      send this snapshot's state; when absent a storage that needs one gets {@code __migration__}
 * @param base          base snapshot of an incremental stream
 * @param withSnapshots the stream carries the volume's snapshots
 * @param allowRename   the target picks the next free name when the name is taken
 * @param bwlimit       {@code --bwlimit} in KiB/s; the storages' {@code migration} limits still cap it
 * @param format        the stream format the caller insists on; else negotiated
 * @param network       for {@code tcp}: {@code IP} or {@code NET/PREFIX} the receiver listens on; else the host's
 *                      address
 */
public record MigrationRequest(VolumeId volume, StoreId targetStorage, Optional<RemoteHost> host,
        Transport transport, Optional<String> targetVolname, Optional<SnapshotName> snapshot,
        Optional<SnapshotName> base, boolean withSnapshots, boolean allowRename, OptionalLong bwlimit,
        Optional<StreamFormat> format, Optional<String> network) {
    public MigrationRequest {
        Objects.requireNonNull(volume, "volume");
        Objects.requireNonNull(targetStorage, "targetStorage");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(targetVolname, "targetVolname");
        Objects.requireNonNull(snapshot, "snapshot");
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(bwlimit, "bwlimit");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(network, "network");
        if (transport == Transport.LOCAL && host.isPresent()) {
            throw new IllegalArgumentException("the local transport takes no target host");
        }
        if (transport != Transport.LOCAL && host.isEmpty()) {
            throw new IllegalArgumentException("the " + transport + " transport needs a target host");
        }
    }

    /** A local migration of {@code volume} into {@code targetStorage} with the defaults. */
    public static MigrationRequest local(VolumeId volume, StoreId targetStorage) {
        return new MigrationRequest(volume, targetStorage, Optional.empty(), Transport.LOCAL, Optional.empty(),
                Optional.empty(), Optional.empty(), false, false, OptionalLong.empty(), Optional.empty(),
                Optional.empty());
    }

    /** This request going to {@code host} over {@code transport}. */
    public MigrationRequest toHost(RemoteHost target, Transport over) {
        return new MigrationRequest(volume, targetStorage, Optional.of(target), over, targetVolname, snapshot, base,
                withSnapshots, allowRename, bwlimit, format, network);
    }

    public boolean remote() {
        return transport != Transport.LOCAL;
    }
}
