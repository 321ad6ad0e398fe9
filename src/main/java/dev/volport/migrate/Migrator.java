package dev.volport.migrate;

import dev.volport.VolportException;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.CommandRunner;
import dev.volport.storage.Snapshots;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.BandwidthLimit;
import dev.volport.transfer.ImportTransaction;
import dev.volport.transfer.Negotiation;
import dev.volport.transfer.NegotiationException;
import dev.volport.transfer.TransferRequest;
import dev.volport.transfer.TransferResult;
import dev.volport.transfer.TransferRunner;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntBinaryOperator;
import java.util.stream.Collectors;

/**
 * Migrates volumes the way the reference's {@code storage_migrate} does ({@code pve-storage.md} §3.1): a shared
 * storage to itself is no copy; the target name is the caller's, or the same for the same storage type, or
 * {@link VolnameMapping}; a storage that needs one gets the migration snapshot {@code __migration__}, taken
 * before the export and removed from the source afterwards whatever happened (and from the target by the
 * import's {@code --delete-snapshot}); the format is negotiated against the target's import formats (asked over
 * the transport for another host), in the source's order; the bandwidth limit is the {@code migration} operation's;
 * the new volume id is the one the target reports.
 *
 * <p>{@link Transport#LOCAL} runs through {@link TransferRunner}; the others through {@link RemoteSender} and the
 * {@link CommandRunner}. Messages for the user (the bandwidth limit in the reference's words, the remote's stderr
 * prefixed with its host name, cleanup warnings) go to the {@code log} given; nothing is printed.
 */
public final class Migrator {
    /** The snapshot a migration takes where the storage needs one, as the reference names it. */
    public static final SnapshotName MIGRATION_SNAPSHOT = new SnapshotName("__migration__");

    private final StorageRegistry registry;
    private final ImportTransaction imports;
    private final CommandRunner runner;
    private final IntBinaryOperator resizePipe;
    private final Consumer<String> log;

    /**
     * @param resizePipe {@code fcntl F_SETPIPE_SZ} for the local transport's pipe ({@code LinuxCalls::growPipe}),
     *                   or null
     * @param log        where the migration's messages for the user go, one line each
     */
    public Migrator(StorageRegistry registry, ImportTransaction imports, CommandRunner runner,
            IntBinaryOperator resizePipe, Consumer<String> log) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.imports = Objects.requireNonNull(imports, "imports");
        this.runner = Objects.requireNonNull(runner, "runner");
        this.resizePipe = resizePipe;
        this.log = Objects.requireNonNull(log, "log");
    }

    /**
     * Settles everything without moving a byte or changing anything: target name, format, options, migration
     * snapshot, bandwidth limit. For another host this runs two short ssh commands (its storage's type, its import
     * formats).
     *
     * @throws VolportException when the migration cannot happen (no common format, a format the target type cannot
     *                          hold, an unknown storage, the other host unreachable)
     */
    public MigrationPlan plan(MigrationRequest req) throws IOException {
        Storage source = registry.open(req.volume().store());
        VolumeName name = source.parseName(req.volume().volName());
        String sourceType = source.section().type().id();
        Optional<String> hostName = req.host().map(RemoteHost::host);
        TransferOptions probe = new TransferOptions(req.snapshot(), req.base(), req.withSnapshots(), List.of(),
                req.allowRename(), Optional.empty());
        if (req.targetStorage().equals(req.volume().store()) && source.section().shared()) {
            return new MigrationPlan(req.volume(), req.volume(), hostName, req.transport(), false, Optional.empty(),
                    Map.of(), probe, Optional.empty(), BandwidthLimit.UNLIMITED);
        }
        Optional<SnapshotName> migrationSnapshot = req.snapshot().isEmpty() && needsSnapshot(source, name, probe)
                ? Optional.of(MIGRATION_SNAPSHOT) : Optional.empty();
        TransferOptions options = new TransferOptions(req.snapshot().or(() -> migrationSnapshot), req.base(),
                req.withSnapshots(), List.of(), req.allowRename(), Optional.empty());
        List<StreamFormat> exportFormats = source.exportFormats(name, options);
        VolumeId to;
        List<StreamFormat> importFormats;
        String targetType;
        List<dev.volport.config.StorageSection> limited = new ArrayList<>(List.of(source.section()));
        if (req.remote()) {
            RemoteQueries remote = new RemoteQueries(runner, req.host().orElseThrow());
            // one question: the name the volume gets on each type the target storage could be, and the answer for
            // its actual type (an older volport on the other side gets the two questions it knows)
            Map<String, String> candidates = new LinkedHashMap<>();
            for (String type : List.of(sourceType, "dir", "btrfs", "zfspool")) {
                try {
                    candidates.putIfAbsent(type, req.targetVolname().orElse(VolnameMapping.forStorage(name,
                            sourceType, type, type.equals("dir") || type.equals("btrfs"))));
                } catch (VolportException notForThatType) {
                    // that type cannot hold the volume: the target says its type and the error is raised below
                }
            }
            Optional<RemoteQueries.Target> planned = remote.plan(req.targetStorage(), candidates, options);
            if (planned.isPresent() && planned.get().volume().isPresent()) {
                targetType = planned.get().type();
                to = planned.get().volume().get();
                importFormats = planned.get().formats();
            } else {
                targetType = planned.isPresent() ? planned.get().type() : remote.storageType(req.targetStorage());
                String volname = req.targetVolname().orElse(VolnameMapping.forStorage(name, sourceType, targetType,
                        targetType.equals("dir") || targetType.equals("btrfs")));
                to = new VolumeId(req.targetStorage(), volname);
                importFormats = remote.importFormats(to, options);
            }
        } else {
            Storage target = registry.open(req.targetStorage());
            targetType = target.section().type().id();
            String volname = req.targetVolname().orElse(VolnameMapping.forStorage(name, sourceType, targetType,
                    target.section().path().isPresent()));
            to = new VolumeId(req.targetStorage(), volname);
            importFormats = target.importFormats(target.parseName(volname), options);
            limited.add(target.section());
        }
        StreamFormat format = choose(req, exportFormats, importFormats, sourceType, targetType, to);
        Map<StreamFormat, String> why = new LinkedHashMap<>();
        for (StreamFormat f : StreamFormat.KNOWN) {
            if (f == format) {
                continue;
            }
            why.put(f, !exportFormats.contains(f) ? "the source cannot export " + req.volume() + " in it"
                    : !importFormats.contains(f) ? "the target does not import it for " + to
                    : req.format().isPresent() ? "--format asked for " + format.wireName()
                    : !req.remote() && f == StreamFormat.RAW_SPARSE && format == StreamFormat.RAW_SIZE
                    ? "a local transfer takes raw+size (no network to cross, no digest to compute)"
                    : "the source prefers " + format.wireName());
        }
        BandwidthLimit limit = BandwidthLimit.resolve(BandwidthLimit.Operation.MIGRATION, limited, req.bwlimit(),
                Optional.empty());
        return new MigrationPlan(req.volume(), to, hostName, req.transport(), true, Optional.of(format), why, options,
                migrationSnapshot, limit);
    }

    /** Whether the source must send from a migration snapshot: its own answer, or the reference's rule by type. */
    private static boolean needsSnapshot(Storage source, VolumeName name, TransferOptions options) {
        String type = source.section().type().id();
        return source.needsMigrationSnapshot(name, options) || type.equals("zfspool")
                || (type.equals("btrfs") && options.withSnapshots());
    }

    private static StreamFormat choose(MigrationRequest req, List<StreamFormat> exp, List<StreamFormat> imp,
            String sourceType, String targetType, VolumeId to) throws NegotiationException {
        StreamFormat first = req.remote() ? Negotiation.choose(exp, imp, sourceType, targetType)
                : Negotiation.chooseLocal(exp, imp, sourceType, targetType);
        if (req.format().isEmpty()) {
            return first;
        }
        List<StreamFormat> common = Negotiation.common(exp, imp);
        if (!common.contains(req.format().get())) {
            throw new NegotiationException("cannot migrate " + req.volume() + " to " + to + " as "
                    + req.format().get() + ": both sides support only " + common.stream()
                    .map(StreamFormat::wireName).collect(Collectors.joining(", ")) + " with these options");
        }
        return req.format().get();
    }

    /**
     * Migrates: {@link #plan}, then the stream, then the cleanup. Returns the volume the target now holds.
     *
     * @param progress the sender's progress (bytes, rate, ETA when the size is known)
     * @throws VolportException naming the side that failed and why; the target keeps no partial volume and the
     *                          source no migration snapshot
     */
    public MigrationResult migrate(MigrationRequest req, Progress progress) throws IOException {
        // ssh and tcp: one ssh connection for the planning call and the receiver (unix forwards on its own)
        Optional<SshMaster> master = req.transport() == Transport.SSH || req.transport() == Transport.TCP
                ? SshMaster.open(runner, req.host().orElseThrow()) : Optional.empty();
        try {
            return migrateOnce(master.map(m -> req.toHost(m.host(), req.transport())).orElse(req), progress);
        } finally {
            master.ifPresent(SshMaster::close);
        }
    }

    private MigrationResult migrateOnce(MigrationRequest req, Progress progress) throws IOException {
        MigrationPlan plan = plan(req);
        if (!plan.copy()) {
            return new MigrationResult(plan.from(), plan, 0, Duration.ZERO);
        }
        if (!plan.limit().unlimited()) {
            log.accept("using a bandwidth limit of " + plan.limit().bytesPerSecond()
                    + " bytes per second for transferring '" + plan.from() + "'");
        }
        Storage source = registry.open(plan.from().store());
        VolumeName name = source.parseName(plan.from().volName());
        Optional<SnapshotName> snap = plan.migrationSnapshot();
        Runnable onSignal = () -> {
            try {
                snapshots(source, plan.from()).delete(name, snap.orElseThrow());
            } catch (IOException e) {
                throw new UncheckedIOException("could not remove source snapshot: " + Messages.reason(e), e);
            }
        };
        if (snap.isPresent()) {
            snapshots(source, plan.from()).create(name, snap.get());
            registry.env().guard().add(onSignal); // SIGINT/SIGTERM skip the finally below
        }
        boolean ok = false;
        try {
            MigrationResult r = req.remote() ? new RemoteSender(runner, log).send(plan, req.host().orElseThrow(),
                    source, name, req.network(), progress) : local(plan, source, progress);
            ok = true;
            return r;
        } finally {
            if (snap.isPresent()) {
                registry.env().guard().remove(onSignal);
                if (!ok) {
                    log.accept("send/receive failed, cleaning up snapshot(s)..");
                }
                try {
                    snapshots(source, plan.from()).delete(name, snap.get());
                } catch (IOException | RuntimeException e) {
                    log.accept("could not remove source snapshot: " + Messages.reason(e));
                }
            }
        }
    }

    private MigrationResult local(MigrationPlan plan, Storage source, Progress progress) throws IOException {
        Storage target = registry.open(plan.to().store());
        TransferRequest req = new TransferRequest(source, plan.from(), target, plan.to(), plan.format().orElseThrow(),
                plan.options(), plan.limit());
        TransferResult r = new TransferRunner(imports, resizePipe).run(req, progress);
        if (plan.migrationSnapshot().isPresent()) {
            // the reference's -delete-snapshot: the target keeps the volume, not the migration's snapshot
            VolumeName imported = target.parseName(r.imported().volName());
            try {
                Snapshots snaps = snapshots(target, r.imported());
                if (snaps.list(imported).contains(plan.migrationSnapshot().get().value())) {
                    snaps.delete(imported, plan.migrationSnapshot().get());
                }
            } catch (IOException | RuntimeException e) {
                log.accept("could not remove snapshot " + plan.migrationSnapshot().get().value() + " of "
                        + r.imported() + ": " + Messages.reason(e));
            }
        }
        return new MigrationResult(r.imported(), plan, r.bytes(), r.elapsed(), r.inPlace());
    }

    private static Snapshots snapshots(Storage storage, VolumeId id) throws StorageException {
        return storage.snapshots().orElseThrow(() -> new StorageException("cannot take the migration snapshot of "
                + id + ": storage '" + id.store() + "' has no snapshots"));
    }
}
