package dev.volport.config;

/**
 * The shapes a {@code storage.cfg} property value can take, each with its one parser in {@link PropertySchema}.
 * A storage type's {@link SectionType} maps each property it accepts to one of these; the parser checks values
 * and {@link StorageSection} reads them with the same functions.
 */
public enum PropertyKind {
    /** An absolute path without {@code ;}, {@code (}, {@code )}, {@code .} or {@code ..} parts; kept normalized. */
    PATH,
    /** A ZFS pool or dataset name. */
    POOL,
    /** A list of content types allowed by the section type, or {@code none} where the type allows it. */
    CONTENT,
    /** One of the section type's disk formats. */
    FORMAT,
    /** {@code off}, {@code metadata}, {@code falloc} or {@code full}. */
    PREALLOCATION,
    /** The reference's boolean words; kept as {@code 0} or {@code 1}, a bare key means {@code 1}. */
    BOOLEAN,
    /** A list of node names. */
    NODES,
    /** {@code KEY=KiB/s[,…]}. */
    BWLIMIT,
    /** A boolean word or an absolute path. */
    IS_MOUNTPOINT,
    /** {@code CONTENT=RELATIVE-PATH[,…]}. */
    CONTENT_DIRS,
    /** {@code keep-…=N[,…]}. */
    PRUNE_BACKUPS,
    /** {@code -1} or a non-negative integer. */
    MAX_PROTECTED,
    /** A block size such as {@code 8k}. */
    BLOCKSIZE,
    /** An absolute path, as {@link #PATH}. */
    MOUNTPOINT
}
