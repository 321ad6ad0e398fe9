package dev.volport.format.tar;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One archive member after its pax, GNU long-name and sparse headers are merged into it.
 *
 * @param offset     stream offset of the member's first header (pax or GNU long name included)
 * @param name       the member name as stored, bytes (not yet checked for confinement)
 * @param kind       what the member creates
 * @param mode       permission bits with setuid/setgid/sticky ({@code 07777})
 * @param size       bytes of file data that follow in the stream (for sparse files: the data extents only)
 * @param realSize   the file's length once extracted ({@code size} unless sparse)
 * @param sparse     data extents of a sparse file as {@code offset, length} pairs in ascending order, or null
 * @param atimeSec   access time, or {@link Long#MIN_VALUE} when the archive has none
 * @param linkName   symlink target or hard-link target name, empty otherwise
 * @param xattrs     {@code SCHILY.xattr.*} attributes by name, in archive order
 * @param aclAccess  {@code SCHILY.acl.access} text, or null
 * @param aclDefault {@code SCHILY.acl.default} text, or null
 */
record TarEntry(long offset, byte[] name, Kind kind, int mode, long uid, long gid, long size, long realSize,
        long[] sparse, long mtimeSec, long mtimeNsec, long atimeSec, long atimeNsec, byte[] linkName, int devMajor,
        int devMinor, Map<String, byte[]> xattrs, String aclAccess, String aclDefault) {

    /** Member kinds that volport extracts; others are refused by {@link TarReader}. */
    enum Kind { FILE, DIRECTORY, SYMLINK, HARDLINK, CHAR_DEVICE, BLOCK_DEVICE, FIFO }

    /** The name for messages. */
    String displayName() {
        return new String(name, StandardCharsets.UTF_8);
    }
}
