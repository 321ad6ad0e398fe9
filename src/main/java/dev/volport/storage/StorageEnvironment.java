package dev.volport.storage;

import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import java.util.Objects;

/**
 * What storages get from the process that opens them: the Linux calls, the guard that undoes staged work on
 * SIGINT/SIGTERM, and where warnings go (stderr for the CLI, a listener for an embedder).
 */
public record StorageEnvironment(Linux linux, ShutdownGuard guard, Warnings warnings) {
    public StorageEnvironment {
        Objects.requireNonNull(linux, "linux");
        Objects.requireNonNull(guard, "guard");
        Objects.requireNonNull(warnings, "warnings");
    }
}
