package dev.volport;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaFieldAccess;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The library keeps no static mutable state and prints nothing itself (issue 11): an embedder can open two
 * {@code Volport} instances side by side, and its warnings reach it through {@code storage.Warnings}.
 */
class StaticStateTest {
    /** Types whose instances change after construction (or hand out what does), refused in static fields. */
    private static final Set<String> MUTABLE = Set.of("java.util.ArrayList", "java.util.LinkedList",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap", "java.util.HashSet",
            "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.EnumSet", "java.util.EnumMap",
            "java.util.ArrayDeque", "java.util.concurrent.ConcurrentHashMap", "java.lang.StringBuilder",
            "java.util.concurrent.atomic.AtomicInteger", "java.util.concurrent.atomic.AtomicLong",
            "java.util.concurrent.atomic.AtomicBoolean", "java.util.concurrent.atomic.AtomicReference",
            "java.util.Random", "java.util.concurrent.CopyOnWriteArrayList");

    /**
     * The one allowed exception: per-thread native scratch memory for the tar calls, reset after every call, so
     * nothing one call leaves is seen by the next.
     */
    private static final Set<String> ALLOWED = Set.of("dev.volport.os.FileMetadataCalls.SCRATCH");

    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.volport");
    }

    @Test
    void staticFieldsAreFinalAndImmutable() {
        List<String> bad = new ArrayList<>();
        for (JavaClass c : classes) {
            for (JavaField f : c.getFields()) {
                if (!f.getModifiers().contains(JavaModifier.STATIC) || f.getModifiers().contains(JavaModifier.SYNTHETIC)
                        || ALLOWED.contains(c.getName() + "." + f.getName())) {
                    continue;
                }
                String type = f.getRawType().getName();
                if (!f.getModifiers().contains(JavaModifier.FINAL)) {
                    bad.add(c.getName() + "." + f.getName() + " is not final");
                } else if (MUTABLE.contains(type) || type.equals("java.lang.ThreadLocal")
                        || f.getRawType().isArray() && (f.getModifiers().contains(JavaModifier.PUBLIC)
                        || f.getModifiers().contains(JavaModifier.PROTECTED))) {
                    // an array its own package only reads is a constant (magic bytes); one others can reach is not
                    bad.add(c.getName() + "." + f.getName() + " holds a mutable " + type);
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void onlyTheCommandLinePrintsToTheProcessStreams() {
        List<String> bad = new ArrayList<>();
        for (JavaClass c : classes) {
            if (c.getPackageName().startsWith("dev.volport.cli")) {
                continue;
            }
            for (JavaFieldAccess a : c.getFieldAccessesFromSelf()) {
                String target = a.getTarget().getOwner().getName() + "." + a.getTarget().getName();
                if (target.equals("java.lang.System.err") || target.equals("java.lang.System.out")) {
                    bad.add(c.getName() + " uses " + target + " (" + a.getSourceCodeLocation() + ")");
                }
            }
        }
        assertThat(bad).isEmpty();
    }

    @Test
    void theCommandLineWritesThroughItsWriters() {
        // Main wires System.out/err into the writers once; Context moves stdout aside for an export to '-'
        Set<String> wiring = Set.of("dev.volport.cli.Main", "dev.volport.cli.Context");
        List<String> bad = new ArrayList<>();
        for (JavaClass c : classes) {
            if (!c.getPackageName().startsWith("dev.volport.cli") || wiring.contains(c.getName())) {
                continue;
            }
            for (JavaFieldAccess a : c.getFieldAccessesFromSelf()) {
                String target = a.getTarget().getOwner().getName() + "." + a.getTarget().getName();
                if (target.equals("java.lang.System.err") || target.equals("java.lang.System.out")) {
                    bad.add(c.getName() + " uses " + target + " (" + a.getSourceCodeLocation() + ")");
                }
            }
        }
        assertThat(bad).isEmpty();
    }
}
