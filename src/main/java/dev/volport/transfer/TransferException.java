package dev.volport.transfer;

import dev.volport.VolportException;

/**
 * A transfer failed or was cancelled. The message is the first cause, naming the side that failed
 * ({@code export of src:100/vm-100-disk-0.raw failed: …}); what the other side reported after it was stopped is
 * attached as a suppressed exception.
 */
public final class TransferException extends VolportException {
    private static final long serialVersionUID = 1L;

    public TransferException(String message) {
        super(message);
    }

    public TransferException(String message, Throwable cause) {
        super(message, cause);
    }
}
