/**
 * {@code raw+size}: the reference's raw image stream (pve-storage {@code Plugin.pm} "raw+size", see
 * {@code docs/formats.md}). An 8-byte little-endian byte count, then exactly that many bytes; volport's importer,
 * unlike the reference, checks that neither fewer nor more bytes arrive.
 */
package dev.volport.format.raw;
