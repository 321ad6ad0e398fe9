/**
 * Operating-system access the JDK lacks: Linux calls bound with the Foreign Function &amp; Memory API
 * ({@link dev.volport.os.LinuxCalls}) and cleanup on signals ({@link dev.volport.os.ShutdownGuard}); and
 * external tools run from argv lists, never shell strings, through an injected
 * {@link dev.volport.os.CommandRunner} (bounded stdout capture, stderr tail, timeouts, process-tree kill).
 * Depends on the JDK and the root package's {@code VolportException} only.
 */
package dev.volport.os;
