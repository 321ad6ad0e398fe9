package dev.volport.cli;

import dev.volport.VolportException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Turns failures into one line on stderr, {@code volport: } then what failed and why, and the exit codes of
 * DESIGN §6: 1 when an operation failed, 2 for a usage error.
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int FAILED = 1;
    static final int USAGE = 2;
    private final Context ctx;

    ErrorHandler(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        String msg;
        if (t instanceof UsageException) {
            cl.getErr().println("volport: " + oneLine(t.getMessage()) + hint(cl));
            return USAGE;
        } else if (t instanceof VolportException) {
            msg = t.getMessage();
        } else if (t instanceof IOException) {
            msg = t.getMessage() == null ? t.toString() : t.getMessage();
        } else {
            msg = "internal error: " + t;
            if (ctx.debug()) {
                t.printStackTrace(cl.getErr());
            }
        }
        ctx.progressFailed(oneLine(msg));
        cl.getErr().println("volport: " + oneLine(msg));
        cl.getErr().flush();
        return FAILED;
    }

    /** Parse errors: one line with the message, picocli's suggestions, and where to find help. */
    static int usage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String suggest = "";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            suggest = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        err.println("volport: " + oneLine(ex.getMessage()) + suggest + hint(cl));
        err.flush();
        return USAGE;
    }

    private static String hint(CommandLine cl) {
        return " (see '" + cl.getCommandSpec().qualifiedName() + " --help')";
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replace('\n', ' ').replace('\r', ' ');
    }
}
