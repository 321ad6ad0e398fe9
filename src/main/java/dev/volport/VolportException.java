package dev.volport;

import java.io.IOException;

/**
 * Root of volport's checked errors: something about the input, the storage or the environment made an operation
 * fail. The message is meant for the user as it stands: it names what failed, on which volume or file, and why.
 * Programmer errors stay unchecked ({@link IllegalArgumentException}, {@link NullPointerException}).
 */
public class VolportException extends IOException {
    private static final long serialVersionUID = 1L;

    public VolportException(String message) {
        super(message);
    }

    public VolportException(String message, Throwable cause) {
        super(message, cause);
    }
}
