package dev.volport.format.tar;

/**
 * Settings of {@link TarExporter}.
 *
 * @param maxHardLinks most files with more than one link that the exporter remembers (device, inode and first
 *                     name, about 100 bytes each): this table is the only part of an export that grows with
 *                     the tree, so past it the export fails rather than exhaust memory
 * @param maxPathBytes longest name written, in bytes; a longer one fails the export (GNU tar would write it,
 *                     but {@link TarImporter} with default limits would refuse it)
 */
public record TarOptions(int maxHardLinks, int maxPathBytes) {
    /** One million hard-linked files, {@code PATH_MAX} names. */
    public static final TarOptions DEFAULTS = new TarOptions(1_000_000, 4096);

    public TarOptions {
        if (maxHardLinks < 0 || maxPathBytes < 1) {
            throw new IllegalArgumentException("tar options out of range: " + this);
        }
    }
}
