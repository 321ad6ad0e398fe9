package dev.volport.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Arrays;
import picocli.CommandLine;

/** Entry point of the {@code volport} command. Exit codes: 0 success, 1 operation failed, 2 usage error. */
public final class Main {
    private Main() {
    }

    /** With {@value #TRAINING} set, see {@link #training}. */
    static final String TRAINING = "volport.aot-training";

    public static void main(String[] args) {
        System.exit(Boolean.getBoolean(TRAINING) ? training(args) : run(args));
    }

    /**
     * The launchers' training run for the start-up (AOT) cache, with {@code -Dvolport.aot-training=true}: runs
     * several command lines in this one JVM, {@code args} separated by {@code --next}, so that one cache holds the
     * classes of all of them (a JVM writes its cache from one run). Returns the highest exit code. Not for users:
     * after an export to {@code -}, later command lines print to stderr.
     */
    static int training(String[] args) {
        int worst = 0;
        int from = 0;
        for (int i = 0; i <= args.length; i++) {
            if (i == args.length || args[i].equals("--next")) {
                worst = Math.max(worst, run(Arrays.copyOfRange(args, from, i)));
                from = i + 1;
            }
        }
        return worst;
    }

    /** Runs one command line with the process's stdout and stderr and returns its exit code. */
    public static int run(String... args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, Charset.defaultCharset()), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, Charset.defaultCharset()), true);
        try {
            return run(out, err, args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /**
     * Runs one command line printing results to {@code out} and errors, warnings and help for a usage error to
     * {@code err} (for tests in this JVM and for embedders of the CLI). Progress and {@code export … -} still use
     * the process's file descriptors 2 and 1.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        Context ctx = new Context(out, err);
        CommandLine cl = new CommandLine(new VolportCommand(ctx));
        VolportCommand.register(cl, args);
        cl.setOut(out); // after the subcommands are added: picocli applies it to those that exist
        cl.setErr(err);
        cl.setExecutionExceptionHandler(new ErrorHandler(ctx));
        cl.setParameterExceptionHandler(ErrorHandler::usage);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOverwrittenOptionsAllowed(true);
        int exit = cl.execute(args);
        if (exit == 0) {
            ctx.progressSucceeded();
        }
        return exit;
    }
}
