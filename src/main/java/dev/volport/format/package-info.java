/**
 * The transport formats as values ({@link dev.volport.format.StreamFormat}) and the error type of malformed
 * input. One sub-package per on-disk or on-wire format holds its reader and writer; the wire layouts are
 * specified in {@code docs/formats.md}. Format code never depends on storages, transfers or the CLI.
 */
package dev.volport.format;
