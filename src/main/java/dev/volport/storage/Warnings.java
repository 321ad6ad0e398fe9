package dev.volport.storage;

/**
 * Where library code reports what went wrong without failing the operation (a leftover removed, a cleanup that
 * failed, a volume renamed on import): one line each, already starting with {@code volport: }. The CLI prints
 * them on stderr; an embedder routes them to its log. Library code never prints to {@code System.err} itself.
 */
@FunctionalInterface
public interface Warnings {
    /** Reports one line. Must not throw; may be called from a signal handler's thread. */
    void println(String line);
}
