package dev.volport.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * Runs one command line through {@link Main#run(java.io.PrintWriter, java.io.PrintWriter, String...)} in this JVM
 * with its results and errors captured: the commands, picocli and the error handler all print through the two
 * writers. Not for {@code export ... -}, which takes over the process's fd 1.
 */
final class InProcess {
    record Result(int exit, String out, String err) {
    }

    private InProcess() {
    }

    static Result run(String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        int exit;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            exit = Main.run(o, e, args);
        }
        return new Result(exit, out.toString(), err.toString());
    }
}
