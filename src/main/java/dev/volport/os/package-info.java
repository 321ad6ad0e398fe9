/**
 * Operating-system access the JDK lacks: Linux calls bound with the Foreign Function &amp; Memory API
 * ({@link dev.volport.os.LinuxCalls}) and cleanup on signals ({@link dev.volport.os.ShutdownGuard}).
 * Depends on the JDK only.
 */
package dev.volport.os;
