package dev.volport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package boundaries of DESIGN §1, checked on the compiled classes. */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.volport");
    }

    private static void forbid(String pkg, String... forbidden) {
        noClasses().that().resideInAPackage(pkg).should().dependOnClassesThat().resideInAnyPackage(forbidden)
                .because("DESIGN §1 package boundaries")
                .allowEmptyShould(true).check(classes);
    }

    @Test
    void volumeDependsOnNothingElse() {
        forbid("dev.volport.volume..", "dev.volport.config..", "dev.volport.io..", "dev.volport.os..",
                "dev.volport.format..", "dev.volport.storage..", "dev.volport.transfer..", "dev.volport.migrate..",
                "dev.volport.cli..");
    }

    @Test
    void configUsesOnlyVolume() {
        forbid("dev.volport.config..", "dev.volport.io..", "dev.volport.os..", "dev.volport.format..",
                "dev.volport.storage..", "dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..");
    }

    @Test
    void ioAndOsUseOnlyTheJdk() {
        for (String pkg : new String[] {"dev.volport.io..", "dev.volport.os.."}) {
            forbid(pkg, "dev.volport.volume..", "dev.volport.config..", "dev.volport.format..",
                    "dev.volport.storage..", "dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..");
        }
        forbid("dev.volport.io..", "dev.volport.os..");
        forbid("dev.volport.os..", "dev.volport.io..");
    }

    @Test
    void formatsNeverReachStoragesTransfersOrCli() {
        forbid("dev.volport.format..", "dev.volport.config..", "dev.volport.storage..", "dev.volport.transfer..",
                "dev.volport.migrate..", "dev.volport.cli..");
    }

    @Test
    void qcow2UsesOnlyFormatIoOsAndZstd() {
        classes().that().resideInAPackage("dev.volport.format.qcow2..").should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.volport", "dev.volport.format", "dev.volport.format.qcow2..",
                        "dev.volport.io..", "dev.volport.os..", "java..", "com.github.luben.zstd..")
                .because("issue 3: the qcow2 format layer depends only on format, io, os, the JDK and zstd-jni")
                .check(classes);
    }

    @Test
    void storageTypesAreIndependent() {
        forbid("dev.volport.storage..", "dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..",
                "dev.volport.api..");
        // the SPI knows no storage type: types register through dev.volport.api
        noClasses().that().resideInAPackage("dev.volport.storage").should().dependOnClassesThat()
                .resideInAPackage("dev.volport.storage.*..")
                .because("storage types plug into the storage SPI, never the other way round")
                .check(classes);
        // one storage type never uses another: slices storage.X, each free of the others
        slices().matching("dev.volport.storage.(*)..").should().notDependOnEachOther()
                .because("storage types are independent plugins").allowEmptyShould(true).check(classes);
    }

    @Test
    void transferAndMigrateNeverReachTheCli() {
        forbid("dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..", "dev.volport.api..");
        forbid("dev.volport.migrate..", "dev.volport.cli..", "dev.volport.api..");
    }

    @Test
    void formatsNeverReachTheApi() {
        forbid("dev.volport.format..", "dev.volport.api..");
    }

    @Test
    void theApiNeverReachesTheCli() {
        forbid("dev.volport.api..", "dev.volport.cli..");
    }

    /**
     * No cycle between the top-level packages ({@code volume}, {@code config}, {@code storage}, …) nor between the
     * sub-packages of one (the storage types, the formats). Classes of the root package ({@code VolportException})
     * belong to no slice, so every package may use them without forming a cycle.
     */
    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("dev.volport.(*)..").should().beFreeOfCycles().check(classes);
        slices().matching("dev.volport.(*).(*)..").should().beFreeOfCycles().check(classes);
    }
}
