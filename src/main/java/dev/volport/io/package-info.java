/**
 * Stream plumbing shared by the formats: the size header, full reads and writes, zero-block detection and
 * progress events. Depends on the JDK only.
 */
package dev.volport.io;
