/**
 * {@code raw+sparse}: volport's own stream of a raw image ({@code docs/formats.md} "raw+sparse"): a header with the
 * virtual size, then ordered, contiguous records of data (optionally zstd-compressed) and zero runs, each protected by
 * CRC32C, then a trailer with the record count and the content digest ({@code io.ContentDigest}). The decoder trusts
 * nothing: every field is checked before it is used, payloads are bounded, and the digest is verified before the sink
 * is finished.
 */
package dev.volport.format.sparse;
