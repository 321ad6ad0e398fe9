package dev.volport.format;

import dev.volport.VolportException;

/** A stream or image is malformed: truncated, too long, inconsistent, or beyond a documented limit. */
public class FormatException extends VolportException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
