package dev.volport.volume;

import dev.volport.VolportException;

/**
 * A storage id, volume id, volume name or snapshot name did not follow its grammar. The message quotes the
 * offending text and says which rule it broke, e.g. {@code invalid volume id 'x': missing ':' after the storage id}.
 */
public final class VolumeNameException extends VolportException {
    private static final long serialVersionUID = 1L;

    public VolumeNameException(String message) {
        super(message);
    }
}
