/**
 * Stream plumbing shared by the formats: the size header, full reads and writes, zero-block detection, progress
 * events, and the extent pipeline ({@link dev.volport.io.ExtentSink}: every raw image moves as data ranges, bytes
 * and zero runs from a reader into an encoder or writer). Depends on the JDK only.
 */
package dev.volport.io;
