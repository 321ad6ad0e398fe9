/**
 * Names of storages, volumes and snapshots as validated values. Grammar and messages follow the reference
 * ({@code docs/reference/pve-storage.md}): storage ids §4.1, dir volume names §4.3 ({@code parse_volname},
 * {@code parse_name_dir}), default subdirectories §4.4, free disk names §4.5, snapshot names §2. volport is
 * stricter where the reference would let a name escape its directory or break a command line: see
 * {@link dev.volport.volume.DirVolumeName} and {@link dev.volport.volume.VolumeId}. Every parse failure is a
 * {@link dev.volport.volume.VolumeNameException}; constructors of the value types throw
 * {@link java.lang.IllegalArgumentException} instead, so no invalid value can exist.
 *
 * <p>Depends on nothing in volport except {@link dev.volport.VolportException}.
 */
package dev.volport.volume;
