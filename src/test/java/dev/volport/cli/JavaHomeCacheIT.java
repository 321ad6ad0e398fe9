package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The launcher finds its JDK once per JAVA_HOME: a run with a JAVA_HOME it has seen before starts exactly one JVM
 * (volport's), not a second one to read the JDK's version; a new JAVA_HOME probes again. When the JDK is known and
 * the jar and its cache are current, the launcher starts no other program at all (start-up, issue 17).
 */
class JavaHomeCacheIT {
    /** The programs {@code bin/volport --version} executes, under strace: one line per successful execve. */
    private static List<String> execs(String env) throws Exception {
        Shell.Result r = bash("t=$(mktemp); " + env + " strace -f -qq -e trace=execve -o \"$t\" " + Shell.VOLPORT
                + " --version >/dev/null 2>&1; cat \"$t\"; rm -f \"$t\"", 120);
        return r.out().lines().filter(l -> l.contains("execve(") && !l.contains("= -1 ")).toList();
    }

    /** How many times {@code bin/volport --version} executes a {@code java} binary. */
    private static long javaStarts(String env) throws Exception {
        return execs(env).stream().filter(l -> l.contains("/bin/java\"")).count();
    }

    @Test
    void theJdkIsProbedOncePerJavaHome() throws Exception {
        String jdk = bash(Shell.HOME + "/scripts/find-java").out().strip();
        assertThat(jdk).isNotEmpty();
        // start from no remembered JDK (the launcher's own file; earlier runs left the spellings below in it)
        Files.deleteIfExists(Shell.HOME.resolve("target/.java-home"));
        javaStarts("JAVA_HOME=" + jdk);
        assertThat(javaStarts("JAVA_HOME=" + jdk)).isEqualTo(1);
        // a different spelling of JAVA_HOME is another key: probed (two JVMs), then remembered
        assertThat(javaStarts("JAVA_HOME=" + jdk + "/")).isEqualTo(2);
        assertThat(javaStarts("JAVA_HOME=" + jdk + "/")).isEqualTo(1);
        javaStarts("env -u JAVA_HOME"); // probes the JDKs under /usr/lib/jvm (one JVM each), then remembers
        assertThat(javaStarts("env -u JAVA_HOME")).isEqualTo(1);
        // every JAVA_HOME seen is remembered, not only the last one: switching back probes nothing
        assertThat(javaStarts("JAVA_HOME=" + jdk)).isEqualTo(1);
        assertThat(javaStarts("JAVA_HOME=" + jdk + "/")).isEqualTo(1);
        assertThat(javaStarts("env -u JAVA_HOME")).isEqualTo(1);
    }

    @Test
    void aWarmLauncherStartsNothingButTheJvm() throws Exception {
        String jdk = bash(Shell.HOME + "/scripts/find-java").out().strip();
        javaStarts("JAVA_HOME=" + jdk); // probes, builds or trains if needed
        List<String> execs = execs("JAVA_HOME=" + jdk);
        // the script itself, the bash its #! line names (through env), and java: no readlink, dirname, find, env
        assertThat(execs).as("programs started: %s", execs)
                .noneMatch(l -> l.matches(".*execve\\(\"[^\"]*/(readlink|dirname|find|sed|java-home|find-java)\".*"))
                .filteredOn(l -> !l.contains("execve(\"" + Shell.VOLPORT + "\"")
                        && !l.matches(".*execve\\(\"[^\"]*/bash\".*"))
                .hasSize(1)
                .allMatch(l -> l.contains("/bin/java\""));
    }
}
