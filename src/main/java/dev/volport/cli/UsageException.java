package dev.volport.cli;

/** The command line is wrong in a way picocli cannot see (a value that fails a rule spanning options). */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
