package dev.volport.transfer;

import static dev.volport.transfer.BandwidthLimit.Operation.CLONE;
import static dev.volport.transfer.BandwidthLimit.Operation.MIGRATION;
import static dev.volport.transfer.BandwidthLimit.Operation.MOVE;
import static dev.volport.transfer.BandwidthLimit.Operation.RESTORE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.api.Volport;
import dev.volport.config.BwLimit;
import dev.volport.config.StorageConfig;
import dev.volport.config.StorageSection;
import dev.volport.transfer.BandwidthLimit.Operation;
import dev.volport.volume.StoreId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference's {@code run_bwlimit_tests.pl} table, ported. Its configuration (storages and the datacenter
 * limit {@code default=100,move=80,restore=60}, passed here as the global limit) is reproduced below.
 *
 * <p>Mapping: the reference's operations {@code unknown} and {@code migrate} have no key of their own, so they
 * fall back to {@code default}; no configuration of the table sets {@code migration}, so {@link Operation#MIGRATION}
 * exercises exactly that fallback. An {@code undef} storage list or {@code undef} entries are skipped by the
 * reference, so they appear here as the list without them.
 *
 * <p>{@link #referenceRows} are the rows whose result does not depend on a permission bypass (every row of the
 * unprivileged {@code user1}; rows without an override, where the reference consults no permission at all; rows
 * whose storages the user holds no right on): volport must give the reference's value. {@link #bypassRows} are
 * the rows where the reference lets a privileged user override a configured limit; volport treats every caller
 * as an ordinary user, so it gives what the reference gives {@code user1} there, noted next to the reference's.
 */
class BandwidthLimitTest {
    private static final StorageConfig CFG = config();
    private static final Optional<BwLimit> DATACENTER = Optional.of(parse("default=100,move=80,restore=60"));

    private static StorageConfig config() {
        try {
            return StorageConfig.parse("""
                    dir: nolimit
                    \tpath /dir/a

                    dir: d50
                    \tpath /dir/b
                    \tbwlimit default=50

                    dir: d50m40r30
                    \tpath /dir/c
                    \tbwlimit default=50,move=40,restore=30

                    dir: d20m40r30
                    \tpath /dir/c
                    \tbwlimit default=20,move=40,restore=30

                    dir: d200m400r300
                    \tpath /dir/c
                    \tbwlimit default=200,move=400,restore=300

                    dir: d10
                    \tpath /dir/d
                    \tbwlimit default=10

                    dir: m50
                    \tpath /dir/e
                    \tbwlimit move=50

                    dir: d200
                    \tpath /dir/f
                    \tbwlimit default=200
                    """, "storage.cfg", Volport.builtInSections());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static BwLimit parse(String s) {
        try {
            return BwLimit.parse(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Arguments row(Operation op, String storages, Integer override, long expected, String what) {
        return Arguments.of(op, storages, override, expected, what);
    }

    static Stream<Arguments> referenceRows() {
        return Stream.of(
                // root@pam, no override: no permission is consulted
                row(MIGRATION, "nolimit", null, 100, "root / generic default limit, requesting default"),
                row(MOVE, "nolimit", null, 80, "root / specific default limit, requesting default (move)"),
                row(RESTORE, "nolimit", null, 60, "root / specific default limit, requesting default (restore)"),
                row(MIGRATION, "d50m40r30", null, 50, "root / storage default limit"),
                row(MOVE, "d50m40r30", null, 40, "root / specific storage limit (move)"),
                row(RESTORE, "d50m40r30", null, 30, "root / specific storage limit (restore)"),
                row(MIGRATION, "", 100, 100, "root / undef storage (migrate)"),
                row(MIGRATION, "", 100, 100, "root / no storage (migrate)"),
                row(MIGRATION, "", null, 100, "root / [undef] storage no override (migrate)"),
                // user1@test: no rights
                row(MIGRATION, "nolimit", null, 100, "generic default limit"),
                row(MOVE, "nolimit", null, 80, "specific default limit (move)"),
                row(RESTORE, "nolimit", null, 60, "specific default limit (restore)"),
                row(MIGRATION, "d50m40r30", null, 50, "storage default limit"),
                row(MOVE, "d50m40r30", null, 40, "specific storage limit (move)"),
                row(RESTORE, "d50m40r30", null, 30, "specific storage limit (restore)"),
                row(MIGRATION, "d200m400r300", null, 200, "storage default limit above datacenter limits"),
                row(MOVE, "d200m400r300", null, 400, "specific storage limit above datacenter limits (move)"),
                row(RESTORE, "d200m400r300", null, 300, "specific storage limit above datacenter limits (restore)"),
                row(MIGRATION, "d50", null, 50, "storage default limit"),
                row(MOVE, "d50", null, 50, "storage default limit (move)"),
                row(RESTORE, "d50", null, 50, "storage default limit (restore)"),
                // user2@test (Sys.Modify on /), no override
                row(MIGRATION, "nolimit", null, 100, "generic default limit with Sys.Modify"),
                row(MOVE, "nolimit", null, 80, "specific default limit with Sys.Modify (move)"),
                row(RESTORE, "nolimit", null, 60, "specific default limit with Sys.Modify (restore)"),
                row(MIGRATION, "d50m40r30", null, 50, "storage default limit with Sys.Modify"),
                row(RESTORE, "d50m40r30", null, 30, "specific storage limit with Sys.Modify (restore)"),
                row(MOVE, "d50m40r30", null, 40, "specific storage limit with Sys.Modify (move)"),
                // user3@test (Datastore.Allocate on /storage), no override
                row(MIGRATION, "nolimit", null, 100, "generic default limit with privileges on /"),
                row(MOVE, "nolimit", null, 80, "specific default limit with privileges on / (move)"),
                row(RESTORE, "nolimit", null, 60, "specific default limit with privileges on / (restore)"),
                row(MIGRATION, "d50m40r30", null, 50, "storage default limit with privileges on /"),
                row(MOVE, "d50m40r30", null, 40, "specific storage limit with privileges on / (move)"),
                row(RESTORE, "d50m40r30", null, 30, "specific storage limit with privileges on / (restore)"),
                // user4@test (Datastore.Allocate on /storage/d20m40r30): rows without a bypass
                row(MIGRATION, "nolimit", 10, 10, "generic default limit with privileges on a different storage,"
                        + " passing lower override"),
                row(MIGRATION, "nolimit", null, 100, "generic default limit with privileges on a different storage"),
                row(MIGRATION, "nolimit", 0, 100, "generic default limit with privileges on a different storage,"
                        + " passing unlimited"),
                row(MOVE, "nolimit", null, 80, "specific default limit with privileges on a different storage"),
                row(RESTORE, "nolimit", null, 60, "specific default limit with privileges on a different storage"),
                row(MIGRATION, "d50m40r30", null, 50, "storage default limit with privileges on a different storage"),
                row(MOVE, "d50m40r30", null, 40, "specific storage limit with privileges on a different storage"),
                row(RESTORE, "d50m40r30", null, 30, "specific storage limit with privileges on a different storage"),
                row(MIGRATION, "d20m40r30", null, 20, "storage default limit with privileges on that storage"),
                row(MOVE, "d20m40r30", null, 40, "specific storage limit with privileges on that storage (move)"),
                row(MOVE, "d20m40r30", 10, 10, "specific storage limit with privileges on that storage,"
                        + " passing low override (move)"),
                row(RESTORE, "d20m40r30", null, 30, "specific storage limit with privileges on that storage"),
                row(MOVE, "d50m40r30,d20m40r30", 0, 40, "multiple storages specific limit with privileges on one"
                        + " of them, passing unlimited (move)"),
                row(RESTORE, "d50m40r30,d20m40r30", 0, 30, "multiple storages specific limit with privileges on"
                        + " one of them, passing unlimited (restore)"),
                row(MIGRATION, "d50m40r30,d20m40r30", null, 20, "multiple storages default limit with privileges"
                        + " on one of them"),
                row(MIGRATION, "d10,d20m40r30", null, 10, "multiple storages default limit (storage limited)"),
                row(MOVE, "d10,d20m40r30", null, 10, "multiple storages specific limit (storage limited) (move)"),
                row(RESTORE, "d10,d20m40r30", null, 10, "multiple storages specific limit (storage limited)"
                        + " (restore)"),
                row(RESTORE, "d10,d20m40r30", 5, 5, "multiple storages specific limit (storage limited) (restore),"
                        + " passing lower override"),
                row(RESTORE, "d200,d200m400r300", 65, 65, "multiple storages, passing lower override"),
                row(RESTORE, "d200,d200m400r300", 400, 200, "multiple storages, passing higher override"),
                row(RESTORE, "d200,d200m400r300", 0, 200, "multiple storages, passing unlimited"),
                row(RESTORE, "d200,d200m400r300", 1, 1, "multiple storages, passing 1"),
                row(RESTORE, "d10,d20m40r30", 500, 10, "multiple storages (storage limited), passing higher"
                        + " override"),
                row(MIGRATION, "nolimit,d20m40r30", null, 20, "multiple storages default limit (default limited)"),
                row(MOVE, "nolimit,d20m40r30", null, 40, "multiple storages specific limit (default limited)"
                        + " (move)"),
                row(RESTORE, "nolimit,d20m40r30", null, 30, "multiple storages specific limit (default limited)"
                        + " (restore)"),
                row(MOVE, "nolimit", 40, 40, "multiple storages one undefined, passing 40 (move)"),
                row(MOVE, "", 100, 80, "undef storage, passing 100 (move)"),
                row(MOVE, "", 100, 80, "[undef] storage, passing 100 (move)"),
                row(MOVE, "", null, 80, "[undef] storage, no override (move)"));
    }

    /** Rows where the reference applies a permission bypass: operation, storages, override, volport, reference. */
    static Stream<Arguments> bypassRows() {
        return Stream.of(
                Arguments.of(MIGRATION, "nolimit", 0, 100, 0, "root, passing unlimited"),
                Arguments.of(RESTORE, "d50m40r30", 0, 30, 0, "root, specific storage limit, passing unlimited"),
                Arguments.of(MIGRATION, "", 200, 100, 200, "root, list of undef storages with override"),
                Arguments.of(MIGRATION, "nolimit", 0, 100, 0, "user2 (Sys.Modify), passing unlimited"),
                Arguments.of(MOVE, "nolimit", 0, 80, 0, "user2 (Sys.Modify), passing unlimited (move)"),
                Arguments.of(MIGRATION, "nolimit", 80, 80, 80, "user3 (/storage), passing an override"),
                Arguments.of(MOVE, "d50m40r30", 0, 40, 0, "user3 (/storage), passing unlimited (move)"),
                Arguments.of(MIGRATION, "d20m40r30", 0, 20, 0, "user4 on that storage, passing unlimited"),
                Arguments.of(MOVE, "d20m40r30", 300, 40, 300, "user4 on that storage, passing high override"),
                Arguments.of(MIGRATION, "d50m40r30,d20m40r30", 0, 20, 50, "user4 on one of them, passing"
                        + " unlimited"),
                Arguments.of(MIGRATION, "nolimit,d20m40r30", 0, 20, 100, "user4 on one of them, passing unlimited"
                        + " (default limited)"),
                Arguments.of(RESTORE, "d20m40r30,m50", 200, 30, 60, "user4 on one of them (global default"
                        + " limited)"));
    }

    private static List<StorageSection> storages(String ids) throws Exception {
        List<StorageSection> out = new ArrayList<>();
        for (String id : ids.isEmpty() ? new String[0] : ids.split(",")) {
            out.add(CFG.require(StoreId.parse(id)));
        }
        return out;
    }

    private static long resolve(Operation op, String ids, Integer override) throws Exception {
        return BandwidthLimit.resolve(op, storages(ids), override == null ? OptionalLong.empty()
                : OptionalLong.of(override), DATACENTER).kibPerSecond();
    }

    @ParameterizedTest(name = "{4}")
    @MethodSource("referenceRows")
    void referenceTable(Operation op, String ids, Integer override, long expected, String what) throws Exception {
        assertThat(resolve(op, ids, override)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{5}: volport {3}, reference {4}")
    @MethodSource("bypassRows")
    void noPermissionBypass(Operation op, String ids, Integer override, long volport, long reference, String what)
            throws Exception {
        assertThat(resolve(op, ids, override)).as("the reference gives %d to a privileged user", reference)
                .isEqualTo(volport);
    }

    @Test
    void operationKeysOfTheirOwn() throws Exception {
        StorageConfig cfg = StorageConfig.parse("""
                dir: sa
                \tpath /a
                \tbwlimit default=500,migration=70,clone=90

                dir: sb
                \tpath /b
                """, "storage.cfg", Volport.builtInSections());
        List<StorageSection> both = cfg.sections();
        assertThat(BandwidthLimit.resolve(MIGRATION, both, OptionalLong.empty(), Optional.empty()).kibPerSecond())
                .isEqualTo(70);
        assertThat(BandwidthLimit.resolve(CLONE, both, OptionalLong.empty(), Optional.empty()).kibPerSecond())
                .isEqualTo(90);
        assertThat(BandwidthLimit.resolve(MOVE, both, OptionalLong.empty(), Optional.empty()).kibPerSecond())
                .isEqualTo(500);
        assertThat(BandwidthLimit.resolve(MOVE, List.of(both.get(1)), OptionalLong.of(0), Optional.empty()))
                .isEqualTo(BandwidthLimit.UNLIMITED);
        assertThat(BandwidthLimit.resolve(MOVE, both, OptionalLong.empty(), Optional.empty()).bytesPerSecond())
                .isEqualTo(500 * 1024);
    }

    @Test
    void aStorageLimitOfZeroSetsNoLimitWhateverTheOrder() throws Exception {
        StorageConfig cfg = StorageConfig.parse("""
                dir: zero
                \tpath /z
                \tbwlimit default=0

                dir: d30
                \tpath /d
                \tbwlimit default=30
                """, "storage.cfg", Volport.builtInSections());
        List<StorageSection> order = new ArrayList<>(cfg.sections());
        assertThat(BandwidthLimit.resolve(MOVE, order, OptionalLong.empty(), DATACENTER).kibPerSecond()).isEqualTo(30);
        assertThat(BandwidthLimit.resolve(MOVE, order.reversed(), OptionalLong.empty(), DATACENTER).kibPerSecond())
                .isEqualTo(30);
        assertThat(BandwidthLimit.resolve(MOVE, List.of(order.get(0)), OptionalLong.empty(), DATACENTER))
                .as("0 counts as the storage's own setting: the global limit does not step in")
                .isEqualTo(BandwidthLimit.UNLIMITED);
    }

    @Test
    void aStorageListedTwiceCountsOnceAndBadOverridesAreRefused() throws Exception {
        assertThat(resolve(MOVE, "d50m40r30,d50m40r30", null)).isEqualTo(40);
        assertThatThrownBy(() -> BandwidthLimit.resolve(MOVE, List.of(), OptionalLong.of(-1), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Arrays.stream(Operation.values()).map(Operation::key))
                .containsExactly("migration", "move", "clone", "restore");
    }
}
