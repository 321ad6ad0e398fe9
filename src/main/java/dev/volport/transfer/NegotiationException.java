package dev.volport.transfer;

import dev.volport.VolportException;

/** No stream format is both exported by the source and accepted by the target. */
public final class NegotiationException extends VolportException {
    private static final long serialVersionUID = 1L;

    public NegotiationException(String message) {
        super(message);
    }
}
