package dev.volport.config;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * DESIGN §1: {@code volume} uses nothing else in volport, {@code config} only {@code volume}; both may use the
 * root package (for {@code VolportException}) and the JDK.
 */
class PackageBoundaryTest {
    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.volport");

    @Test
    void volumeDependsOnNothingElseInVolport() {
        classes().that().resideInAPackage("dev.volport.volume..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("dev.volport", "dev.volport.volume..", "java..")
                .check(MAIN);
    }

    @Test
    void configDependsOnlyOnVolume() {
        classes().that().resideInAPackage("dev.volport.config..")
                .should().onlyDependOnClassesThat()
                .resideInAnyPackage("dev.volport", "dev.volport.volume..", "dev.volport.config..", "java..")
                .check(MAIN);
    }
}
