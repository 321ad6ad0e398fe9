package dev.volport.storage;

import dev.volport.VolportException;

/** A storage operation failed: missing volume, existing target, wrong format for the volume, lack of space. */
public class StorageException extends VolportException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
