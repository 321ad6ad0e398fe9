/**
 * {@code storage.cfg}: Proxmox's section-config syntax ({@code docs/reference/pve-storage.md} §4.1) and the
 * shared property parsers ({@link dev.volport.config.PropertyKind}); each storage type contributes its property set
 * as a {@link dev.volport.config.SectionType}, so the package names no storage type. Sections are parsed into
 * validated, immutable {@link dev.volport.config.StorageSection}s and written back ({@code DESIGN.md} §2). Unlike
 * the reference, which skips bad sections with a warning, every problem is a
 * {@link dev.volport.config.ConfigException} naming the file, line and what was expected. Pure apart from
 * {@link dev.volport.config.StorageConfig#load} reading one file.
 *
 * <p>Depends on {@code dev.volport.volume} and {@link dev.volport.VolportException} only.
 */
package dev.volport.config;
