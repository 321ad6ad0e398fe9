package dev.volport.cli;

import picocli.CommandLine;

/** Entry point of the {@code volport} command. Exit codes: 0 success, 1 operation failed, 2 usage error. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code (for tests and the launcher). */
    public static int run(String... args) {
        Context ctx = new Context();
        CommandLine cl = new CommandLine(new VolportCommand(ctx));
        VolportCommand.register(cl, args);
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
