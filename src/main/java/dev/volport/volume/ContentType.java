package dev.volport.volume;

import java.util.Optional;

/**
 * What a volume holds, with the reference's lowercase content names ({@code pve-storage.md} §4.1, §4.4).
 * Container root filesystems ({@link #ROOTDIR}) parse as {@link #IMAGES} in volume names, as in the reference.
 */
public enum ContentType {
    /** VM disk images; also container subvolumes in volume names. */
    IMAGES("images", "images"),
    /** Container root filesystems; subdirectory {@code private}. */
    ROOTDIR("rootdir", "private"),
    /** ISO and floppy images. */
    ISO("iso", "template/iso"),
    /** Container templates (tar archives). */
    VZTMPL("vztmpl", "template/cache"),
    /** vzdump backup archives. */
    BACKUP("backup", "dump"),
    /** Hook scripts and cloud-init snippets. */
    SNIPPETS("snippets", "snippets"),
    /** Disk images and OVA/OVF appliances waiting to be imported. */
    IMPORT("import", "import");

    private final String id;
    private final String subdir;

    ContentType(String id, String subdir) {
        this.id = id;
        this.subdir = subdir;
    }

    /** The reference's name, as used in {@code content} lists: {@code images}, {@code rootdir}, … */
    public String id() {
        return id;
    }

    /**
     * The default directory under a dir-like storage's path ({@code pve-storage.md} §4.4), relative and without
     * a trailing slash, e.g. {@code template/iso}. {@code content-dirs} may override it; that is the storage's job.
     */
    public String subdir() {
        return subdir;
    }

    /** The content type with this exact (lowercase) id, or empty. */
    public static Optional<ContentType> fromId(String id) {
        for (ContentType t : values()) {
            if (t.id.equals(id)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
