package dev.volport.api;

import dev.volport.VolportException;
import dev.volport.config.SectionType;
import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.Linux;
import dev.volport.migrate.MigrationPlan;
import dev.volport.migrate.MigrationRequest;
import dev.volport.migrate.MigrationResult;
import dev.volport.migrate.Migrator;
import dev.volport.os.CommandRunner;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ProcessCommandRunner;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.Warnings;
import dev.volport.storage.btrfs.BtrfsStorageType;
import dev.volport.storage.dir.DirStorageType;
import dev.volport.storage.zfs.ZfsPoolStorageType;
import dev.volport.transfer.BandwidthLimit;
import dev.volport.transfer.ImportTransaction;
import dev.volport.transfer.TransferRequest;
import dev.volport.transfer.TransferResult;
import dev.volport.transfer.TransferRunner;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * volport as a library: the entry point an embedder uses without the CLI, and the composition root, the one place
 * that names the built-in storage types. An instance holds one configuration, the storages it opens, and a signal
 * guard installed when it is opened, so that an import interrupted by SIGINT/SIGTERM removes its staging object.
 * Nothing is printed: warnings go to the {@link Warnings} given (by default the {@code dev.volport} system logger).
 * No static mutable state; instances are independent and safe to use from several threads.
 *
 * <p>See {@code docs/library.md} for a runnable example.
 */
public final class Volport {
    private final StorageRegistry registry;
    private final ImportTransaction imports;

    private Volport(StorageRegistry registry) {
        this.registry = registry;
        this.imports = new ImportTransaction(registry.env());
    }

    /** The storage types volport ships, in the order an error lists them: dir, btrfs, zfspool. */
    public static List<StorageType> builtInTypes() {
        DirStorageType dir = new DirStorageType();
        // btrfs keeps ISOs, templates, backups, snippets and import files as a dir storage does
        return List.of(dir, new BtrfsStorageType(new ProcessCommandRunner(), Optional.of(dir)),
                new ZfsPoolStorageType());
    }

    /** The section types of {@link #builtInTypes()}: what {@code storage.cfg} may contain. */
    public static List<SectionType> builtInSections() {
        return StorageRegistry.sectionTypes(builtInTypes());
    }

    /**
     * The section type of the built-in storage type {@code id}.
     *
     * @throws IllegalArgumentException when no built-in type has that name
     */
    public static SectionType section(String id) {
        return SectionType.find(builtInSections(), id)
                .orElseThrow(() -> new IllegalArgumentException("no built-in storage type '" + id + "'"));
    }

    /** Opens the configuration file {@code config} with the built-in storage types; warnings go to the logger. */
    public static Volport open(Path config) throws VolportException {
        return open(config, List.of(), Volport::log);
    }

    /**
     * Opens the configuration file {@code config}, whose sections may also be of {@code extraTypes}.
     *
     * @throws VolportException naming the file, line and problem when the configuration does not read
     */
    public static Volport open(Path config, List<? extends StorageType> extraTypes, Warnings warnings)
            throws VolportException {
        List<StorageType> types = types(extraTypes);
        return open(StorageConfig.load(config, StorageRegistry.sectionTypes(types)), extraTypes, warnings);
    }

    /**
     * Uses an already parsed configuration (parse it with the section types of the built-in and the extra types).
     *
     * @throws IllegalArgumentException when an extra type has the name of a built-in one
     */
    public static Volport open(StorageConfig config, List<? extends StorageType> extraTypes, Warnings warnings) {
        Objects.requireNonNull(warnings, "warnings");
        ShutdownGuard guard = new ShutdownGuard(warnings::println).install();
        StorageEnvironment env = new StorageEnvironment(Linux.system(), guard, warnings);
        return new Volport(new StorageRegistry(types(extraTypes), config, env));
    }

    private static List<StorageType> types(List<? extends StorageType> extra) {
        List<StorageType> all = new ArrayList<>(builtInTypes());
        all.addAll(extra);
        return all;
    }

    private static void log(String line) {
        System.getLogger("dev.volport").log(System.Logger.Level.WARNING, line);
    }

    /** The registry: configuration, environment, and every storage. */
    public StorageRegistry registry() {
        return registry;
    }

    /**
     * The storage {@code id}.
     *
     * @throws VolportException when it is not configured, disabled, or of a type not implemented yet
     */
    public Storage storage(String id) throws VolportException {
        return registry.open(StoreId.parse(id));
    }

    /**
     * Writes volume {@code volid} ({@code STOREID:VOLNAME}) to {@code out} in {@code format}; {@code out} is not
     * closed.
     *
     * @throws VolportException naming the volume and what failed
     */
    public void exportVolume(String volid, StreamFormat format, TransferOptions options, WritableByteChannel out)
            throws IOException {
        VolumeId id = VolumeId.parse(volid);
        Storage storage = registry.open(id.store());
        storage.exportVolume(storage.parseName(id.volName()), format, options, out, Progress.NONE);
    }

    /**
     * Reads a stream in {@code format} from {@code in} into the new volume {@code volid} as one transaction; on
     * failure nothing is left behind. {@code in} is not closed.
     *
     * @return the volume that now exists (another name with {@code allowRename})
     * @throws VolportException naming the volume and what failed
     */
    public VolumeId importVolume(String volid, StreamFormat format, TransferOptions options, ReadableByteChannel in)
            throws IOException {
        VolumeId id = VolumeId.parse(volid);
        Storage storage = registry.open(id.store());
        return imports.run(storage, storage.parseName(id.volName()), format, options, in, Progress.NONE);
    }

    /**
     * Copies volume {@code from} into a new volume {@code to} (both {@code STOREID:VOLNAME}) in this process: the
     * format is negotiated (the source's order, or {@code format} if both sides take it), the export runs into the
     * import over a pipe, the bandwidth limit is the {@code move} operation's of both storages, lowered by
     * {@code bwlimitKiBps} if given (0 adds no limit). The import is the same transaction as
     * {@link #importVolume}; when either side fails the other is stopped and nothing is left on the target.
     *
     * @return the format used and the volume that now exists (another name with {@code allowRename})
     * @throws VolportException naming the side that failed first and why (the other side's error suppressed)
     */
    public TransferResult transfer(String from, String to, TransferOptions options, Optional<StreamFormat> format,
            OptionalLong bwlimitKiBps) throws IOException {
        VolumeId src = VolumeId.parse(from);
        VolumeId dst = VolumeId.parse(to);
        Storage source = registry.open(src.store());
        Storage target = registry.open(dst.store());
        BandwidthLimit limit = BandwidthLimit.resolve(BandwidthLimit.Operation.MOVE,
                List.of(source.section(), target.section()), bwlimitKiBps, Optional.empty());
        TransferRequest req = TransferRequest.negotiate(source, src, target, dst, options, format, limit);
        return new TransferRunner(imports).run(req, Progress.NONE);
    }

    /**
     * Migrates a volume to another storage of this host or, over ssh, of another host
     * ({@link MigrationRequest}): the reference's {@code storage_migrate}. Tools (ssh) run through a
     * {@link ProcessCommandRunner}.
     *
     * @param log      messages for the user (the bandwidth limit, the other host's stderr as {@code [HOST] …},
     *                 cleanup warnings), one line each
     * @param progress the sender's progress
     * @return the volume the target now holds, and what was done
     * @throws VolportException naming the side that failed and why; nothing is left half-done
     */
    public MigrationResult migrate(MigrationRequest request, Progress progress, Consumer<String> log)
            throws IOException {
        return migrator(new ProcessCommandRunner(), log).migrate(request, progress);
    }

    /** What {@link #migrate} would do, without doing it (another host is asked for its formats over ssh). */
    public MigrationPlan planMigration(MigrationRequest request) throws IOException {
        return migrator(new ProcessCommandRunner(), Volport::log).plan(request);
    }

    /** A migrator of this instance's storages that runs tools through {@code runner}. */
    public Migrator migrator(CommandRunner runner, Consumer<String> log) {
        return new Migrator(registry, imports, runner, registry.env().linux()::growPipe, log);
    }
}
