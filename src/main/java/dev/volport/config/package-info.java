/**
 * {@code storage.cfg}: Proxmox's section-config syntax ({@code docs/reference/pve-storage.md} §4.1) with the
 * {@code dir}, {@code btrfs} and {@code zfspool} property sets (§4.2), parsed into validated, immutable
 * {@link dev.volport.config.StorageSection}s and written back ({@code DESIGN.md} §2). Unlike the reference, which
 * skips bad sections with a warning, every problem is a {@link dev.volport.config.ConfigException} naming the file,
 * line and what was expected. Pure apart from {@link dev.volport.config.StorageConfig#load} reading one file.
 *
 * <p>Depends on {@code dev.volport.volume} and {@link dev.volport.VolportException} only.
 */
package dev.volport.config;
