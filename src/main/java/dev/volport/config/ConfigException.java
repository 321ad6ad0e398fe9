package dev.volport.config;

import dev.volport.VolportException;

/**
 * {@code storage.cfg} could not be read, or says something volport does not accept. The message starts with where:
 * {@code FILE:LINE: } when a line is known, {@code FILE: } otherwise ({@code storage 'ID': } for sections built in
 * code), then what was expected and what was found, e.g.
 * {@code /etc/volport/storage.cfg:7: unknown property 'pathh' for storage type 'dir'}.
 */
public final class ConfigException extends VolportException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code WHERE: WHAT}. */
    static ConfigException at(String where, String what) {
        return new ConfigException(where + ": " + what);
    }
}
