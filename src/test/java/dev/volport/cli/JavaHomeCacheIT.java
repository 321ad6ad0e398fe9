package dev.volport.cli;

import static dev.volport.cli.Shell.bash;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The launcher finds its JDK once per JAVA_HOME: a run with the same JAVA_HOME as the run before starts exactly one
 * JVM (volport's), not a second one to read the JDK's version; another JAVA_HOME probes again.
 */
class JavaHomeCacheIT {
    /** How many times {@code bin/volport --version} executes a {@code java} binary, under strace. */
    private static long javaStarts(String env) throws Exception {
        Shell.Result r = bash("t=$(mktemp); " + env + " strace -f -qq -e trace=execve -o \"$t\" " + Shell.VOLPORT
                + " --version >/dev/null 2>&1; cat \"$t\"; rm -f \"$t\"", 120);
        return r.out().lines().filter(l -> l.contains("/bin/java\"") && !l.contains("= -1 ")).count();
    }

    @Test
    void theJdkIsProbedOncePerJavaHome() throws Exception {
        String jdk = bash(Shell.HOME + "/scripts/find-java").out().strip();
        assertThat(jdk).isNotEmpty();
        javaStarts("JAVA_HOME=" + jdk);
        assertThat(javaStarts("JAVA_HOME=" + jdk)).isEqualTo(1);
        // a different spelling of JAVA_HOME is another key: probed (two JVMs), then remembered
        assertThat(javaStarts("JAVA_HOME=" + jdk + "/")).isEqualTo(2);
        assertThat(javaStarts("JAVA_HOME=" + jdk + "/")).isEqualTo(1);
        javaStarts("env -u JAVA_HOME"); // probes the JDKs under /usr/lib/jvm (one JVM each), then remembers
        assertThat(javaStarts("env -u JAVA_HOME")).isEqualTo(1);
    }
}
