/**
 * The {@code tar+size} transport format's tar stream: {@link dev.volport.format.tar.TarExporter} writes a
 * directory tree, {@link dev.volport.format.tar.TarImporter} extracts one into an empty staging directory under
 * {@link dev.volport.format.tar.TarLimits}. The 8-byte little-endian size header in front of the stream (0 for a
 * directory without a quota, as Proxmox writes it) belongs to the caller ({@link dev.volport.io.SizeHeader}).
 *
 * <p>Facts the code follows:
 * <ul>
 *   <li>ustar header layout and pax extended headers ({@code x}, {@code g}; records {@code "%d %s=%s\n"};
 *       keys {@code path}, {@code linkpath}, {@code size}, {@code uid}, {@code gid}, {@code mtime},
 *       {@code atime}): IEEE Std 1003.1 (POSIX), {@code pax} utility, sections "ustar Interchange Format" and
 *       "pax Interchange Format".</li>
 *   <li>GNU extensions: GNU tar manual, "Basic Tar Format" and "GNU Extensions to the Archive Format"
 *       ({@code ././@LongLink} members of type {@code L}/{@code K}, base-256 numbers, the old sparse
 *       type {@code S} with its extension headers), and "Storing Sparse Files" (formats 0.0
 *       {@code GNU.sparse.offset}/{@code numbytes}, 0.1 {@code GNU.sparse.map}, 1.0 {@code GNU.sparse.major=1},
 *       {@code minor=0}, {@code name}, {@code realsize} with the decimal map at the start of the data).</li>
 *   <li>{@code SCHILY.xattr.NAME} (raw value) and {@code SCHILY.acl.access}/{@code SCHILY.acl.default}
 *       ({@code acl_to_text} form): as written by GNU tar 1.34 with {@code --xattrs --acls}, checked here by
 *       running it.</li>
 *   <li>The GNU tar flags of the reference ({@code @COMMON_TAR_FLAGS} in Proxmox VE's {@code Plugin.pm}):
 *       {@code --one-file-system -p --sparse --numeric-owner --acls --xattrs --xattrs-include=user.*
 *       --xattrs-include=security.capability}.</li>
 * </ul>
 */
package dev.volport.format.tar;
