package dev.volport.migrate;

import java.util.Locale;

/**
 * How a migration's stream travels. {@link #LOCAL}: both storages on this host, in one process. The others reach
 * another host through {@code ssh}: {@link #SSH} carries the stream inside the ssh connection (encrypted), while
 * {@link #TCP} and {@link #UNIX} only start the receiver over ssh and send the stream beside it, over a plain TCP
 * connection (the reference's {@code insecure} migration: for trusted networks only) or a Unix socket forwarded by
 * ssh.
 */
public enum Transport {
    LOCAL, SSH, TCP, UNIX;

    /** The name on the command line. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return id();
    }
}
