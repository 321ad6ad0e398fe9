package dev.volport.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.migrate.MigrationPlan;
import dev.volport.migrate.MigrationRequest;
import dev.volport.migrate.MigrationResult;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code Volport.migrate} and {@code planMigration}: the migration as a library call. */
class VolportMigrateTest {
    @TempDir
    Path tmp;

    @Test
    void migratesBetweenStoragesOfThisHost() throws Exception {
        Path cfg = tmp.resolve("storage.cfg");
        Files.writeString(cfg, "dir: aa\n\tpath " + tmp.resolve("a") + "\n\ndir: bb\n\tpath " + tmp.resolve("b")
                + "\n\tbwlimit migration=65536\n");
        List<String> warnings = new ArrayList<>();
        Volport volport = Volport.open(cfg, List.of(), warnings::add);
        VolumeId id = volport.storage("aa").alloc(100, Optional.empty(), DiskFormat.QCOW2, 2048);

        MigrationRequest req = MigrationRequest.local(id, StoreId.parse("bb"));
        MigrationPlan plan = volport.planMigration(req);
        // a qcow2 volume between two volport dir storages of one host: raw+sparse is listed first on both ends, and a
        // local transfer takes raw+size instead (nothing crosses a network; the digest would only cost time)
        assertThat(plan.format()).contains(StreamFormat.RAW_SIZE);
        assertThat(plan.to().toString()).isEqualTo("bb:100/vm-100-disk-0.qcow2");
        assertThat(plan.limit().kibPerSecond()).isEqualTo(65536);

        List<String> log = new ArrayList<>();
        MigrationResult r = volport.migrate(req, Progress.NONE, log::add);
        assertThat(r.volume().toString()).isEqualTo("bb:100/vm-100-disk-0.qcow2");
        assertThat(log).containsExactly("using a bandwidth limit of 67108864 bytes per second for transferring"
                + " 'aa:100/vm-100-disk-0.qcow2'");
        assertThat(volport.storage("bb").info(volport.storage("bb").parseName("100/vm-100-disk-0.qcow2")).size())
                .isEqualTo(2048L * 1024);
        assertThat(warnings).isEmpty();

        assertThatThrownBy(() -> volport.migrate(req, Progress.NONE, log::add))
                .hasMessageContaining("bb:100/vm-100-disk-0.qcow2").hasMessageContaining("already exists");
    }
}
