package dev.volport.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example of {@code docs/library.md}, exactly as the page shows it, compiles against the library and runs. */
class LibraryDocTest {
    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL);

    @TempDir
    Path tmp;

    @Test
    void theDocumentedExampleCompilesAndRuns() throws Exception {
        String page = Files.readString(Path.of("docs/library.md"));
        Matcher m = JAVA_BLOCK.matcher(page);
        assertThat(m.find()).as("a ```java block in docs/library.md").isTrue();
        String source = m.group(1);
        assertThat(m.find()).as("exactly one ```java block").isFalse();

        Path src = Files.createDirectories(tmp.resolve("src"));
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        Path file = Files.writeString(src.resolve("LibraryExample.java"), source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-d", classes.toString(), "-classpath",
                Path.of("target/classes").toAbsolutePath().toString(), file.toString());
        assertThat(rc).as(diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        Path work = Files.createDirectories(tmp.resolve("work"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader()); PrintStream capture = new PrintStream(out, true, StandardCharsets.UTF_8)) {
            Method main = loader.loadClass("LibraryExample").getMethod("main", String[].class);
            System.setOut(capture);
            main.invoke(null, (Object) new String[] {work.toString()});
        } finally {
            System.setOut(old);
        }
        assertThat(out.toString(StandardCharsets.UTF_8))
                .isEqualTo("imported scratch:100/vm-100-disk-0.raw and exported it back unchanged; copied it as"
                        + " raw+size to scratch:100/vm-100-disk-1.qcow2; warnings: []\n");
        Path volume = work.resolve("store/images/100/vm-100-disk-0.raw");
        assertThat(Files.size(volume)).isEqualTo(1 << 20);
        try (var entries = Files.list(volume.getParent())) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("vm-100-disk-0.raw", "vm-100-disk-1.qcow2");
        }
    }
}
