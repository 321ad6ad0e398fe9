package dev.volport.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.VolportException;
import dev.volport.config.SectionType;
import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.io.Progress;
import dev.volport.os.LinuxCalls;
import dev.volport.os.RecordingCommandRunner;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Snapshots;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.storage.dir.DirStorageType;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The migration snapshot, through the storages' {@link Snapshots} seam: a source that needs one (as zfspool and
 * btrfs will) gets {@code __migration__} before the export and never keeps it, whether the migration succeeds or
 * fails. The storage is a real {@code dir} storage behind a type {@code snapdir} that says it needs the snapshot
 * and records the snapshot calls (dir cannot snapshot a raw volume).
 */
class MigrationSnapshotTest {
    private static final SectionType SNAPDIR = new SectionType("snapdir", DirStorageType.SECTION.properties(),
            "path", DirStorageType.SECTION.content(), true, DirStorageType.SECTION.formats());

    @TempDir
    Path tmp;
    final List<String> calls = new ArrayList<>();
    final List<String> log = new ArrayList<>();
    boolean failCreate;
    StorageRegistry registry;
    Migrator migrator;

    /** A {@code dir} storage that needs a migration snapshot and records {@code create}/{@code delete}. */
    final class SnapDirType implements StorageType {
        @Override
        public SectionType section() {
            return SNAPDIR;
        }

        @Override
        public Storage open(StorageSection section, StorageEnvironment env) throws StorageException {
            Storage dir = new DirStorageType().open(section, env);
            Snapshots recorder = new Snapshots() {
                @Override
                public List<String> list(VolumeName name) {
                    return List.of();
                }

                @Override
                public void create(VolumeName name, SnapshotName s) throws StorageException {
                    calls.add("create " + name.volname() + " " + s.value());
                    if (failCreate) {
                        throw new StorageException("snapshot of " + name.volname() + " failed: pool is busy");
                    }
                }

                @Override
                public void delete(VolumeName name, SnapshotName s) {
                    calls.add("delete " + name.volname() + " " + s.value());
                }

                @Override
                public void rollback(VolumeName name, SnapshotName s) {
                    throw new AssertionError("a migration never rolls back");
                }
            };
            return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
                    (proxy, m, args) -> switch (m.getName()) {
                        case "needsMigrationSnapshot" -> true;
                        case "snapshots" -> Optional.of(recorder);
                        case "exportVolume" -> {
                            calls.add("export " + ((VolumeName) args[0]).volname() + " at "
                                    + ((TransferOptions) args[2]).snapshot().map(SnapshotName::value).orElse("-"));
                            yield invoke(m, dir, withoutSnapshot(args, 2));
                        }
                        case "exportFormats" -> invoke(m, dir, withoutSnapshot(args, 1));
                        default -> invoke(m, dir, args);
                    });
        }
    }

    /**
     * The arguments with the options' snapshot dropped: dir cannot read a raw volume's snapshot, and nothing writes
     * to the volume during the test, so its current state is what the snapshot would hold.
     */
    private static Object[] withoutSnapshot(Object[] args, int at) {
        Object[] copy = args.clone();
        TransferOptions o = (TransferOptions) copy[at];
        copy[at] = new TransferOptions(Optional.empty(), o.base(), o.withSnapshots(), o.snapshotList(),
                o.allowRename(), o.deleteSnapshot());
        return copy;
    }

    private static Object invoke(java.lang.reflect.Method m, Object target, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @BeforeEach
    void storages() throws Exception {
        List<StorageType> types = List.of(new DirStorageType(), new SnapDirType());
        StorageConfig cfg = StorageConfig.parse("snapdir: pool\n\tpath " + tmp.resolve("pool") + "\n\ndir: dst\n\tpath "
                + tmp.resolve("dst") + "\n", "storage.cfg", StorageRegistry.sectionTypes(types));
        registry = new StorageRegistry(types, cfg, new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(),
                log::add));
        VolumeId id = registry.open(StoreId.parse("pool")).alloc(100, Optional.empty(), DiskFormat.RAW, 1024);
        assertThat(id.toString()).isEqualTo("pool:100/vm-100-disk-0.raw");
        Files.write(tmp.resolve("pool/images/100/vm-100-disk-0.raw"), new byte[] {1, 2, 3});
        migrator = new Migrator(registry, new ImportTransaction(registry.env()), new RecordingCommandRunner(), null,
                log::add);
    }

    private MigrationRequest request() throws VolportException {
        return MigrationRequest.local(VolumeId.parse("pool:100/vm-100-disk-0.raw"), StoreId.parse("dst"));
    }

    @Test
    void theExportReadsTheSnapshotWhichIsRemovedAfterwards() throws Exception {
        MigrationPlan plan = migrator.plan(request());
        assertThat(plan.migrationSnapshot()).contains(Migrator.MIGRATION_SNAPSHOT);
        assertThat(plan.describe()).contains(
                "migration snapshot __migration__: taken on the source before the export, removed afterwards");
        assertThat(calls).isEmpty(); // planning changes nothing

        MigrationResult r = migrator.migrate(request(), Progress.NONE);
        assertThat(r.volume().toString()).isEqualTo("dst:100/vm-100-disk-0.raw");
        assertThat(calls).containsExactly("create 100/vm-100-disk-0.raw __migration__",
                "export 100/vm-100-disk-0.raw at __migration__", "delete 100/vm-100-disk-0.raw __migration__");
        assertThat(log).isEmpty();
    }

    @Test
    void aFailedMigrationStillRemovesTheSnapshotAndSaysSo() throws Exception {
        registry.open(StoreId.parse("dst")).alloc(100, Optional.of("vm-100-disk-0.raw"), DiskFormat.RAW, 4);
        assertThatThrownBy(() -> migrator.migrate(request(), Progress.NONE))
                .hasMessageContaining("import into dst:100/vm-100-disk-0.raw failed")
                .hasMessageContaining("already exists");
        assertThat(calls).containsExactly("create 100/vm-100-disk-0.raw __migration__",
                "export 100/vm-100-disk-0.raw at __migration__", "delete 100/vm-100-disk-0.raw __migration__");
        assertThat(log).containsExactly("send/receive failed, cleaning up snapshot(s)..");
    }

    @Test
    void aSnapshotThatCannotBeTakenStopsBeforeTheExport() throws Exception {
        failCreate = true;
        assertThatThrownBy(() -> migrator.migrate(request(), Progress.NONE)).hasMessageContaining("pool is busy");
        assertThat(calls).containsExactly("create 100/vm-100-disk-0.raw __migration__");
        assertThat(tmp.resolve("dst/images/100")).doesNotExist();
    }

    @Test
    void aSnapshotTheCallerNamesIsSentAndKept() throws Exception {
        MigrationRequest req = request();
        req = new MigrationRequest(req.volume(), req.targetStorage(), req.host(), req.transport(),
                req.targetVolname(), Optional.of(new SnapshotName("before")), req.base(), false, false,
                req.bwlimit(), req.format(), req.network());
        MigrationPlan plan = migrator.plan(req);
        assertThat(plan.migrationSnapshot()).isEmpty();
        assertThat(plan.options().snapshot()).contains(new SnapshotName("before"));
    }
}
