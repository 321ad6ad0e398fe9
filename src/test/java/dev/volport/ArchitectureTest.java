package dev.volport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

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
        forbid("dev.volport.storage..", "dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..");
        forbid("dev.volport.storage.dir..", "dev.volport.storage.btrfs..", "dev.volport.storage.zfs..");
        forbid("dev.volport.storage.btrfs..", "dev.volport.storage.dir..", "dev.volport.storage.zfs..");
        forbid("dev.volport.storage.zfs..", "dev.volport.storage.dir..", "dev.volport.storage.btrfs..");
    }

    @Test
    void transferAndMigrateNeverReachTheCli() {
        forbid("dev.volport.transfer..", "dev.volport.migrate..", "dev.volport.cli..");
        forbid("dev.volport.migrate..", "dev.volport.cli..");
    }
}
