package dev.volport.volume;

import java.util.OptionalInt;

/**
 * A volume name as one storage type's grammar parsed it: the text after {@code STOREID:} and what it says. Each
 * storage type has its own implementation ({@link DirVolumeName} for {@code dir}); a storage's
 * {@code parseName} is the one place where text becomes a name, and every storage operation takes the parsed
 * value, so nothing parses a name twice. Implementations are immutable values.
 */
public interface VolumeName {
    /** The canonical text, e.g. {@code 100/vm-100-disk-0.raw}; parsing it again gives an equal name. */
    String volname();

    /** What the volume holds. */
    ContentType type();

    /** The owning guest, when the name says. */
    OptionalInt vmid();

    /** The disk format the name states. */
    DiskFormat format();

    /** Whether the name marks a base (template) volume. */
    boolean isBase();
}
