package dev.volport.storage.flat;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code flat} grammar: {@code NAME.raw}, {@code NAME.qcow2} or {@code NAME.vmdk}, where NAME is 1-40 lowercase
 * letters, digits and dashes starting with a letter or digit. Every volume is a guest image without an owner.
 */
record FlatVolumeName(String stem, DiskFormat format) implements VolumeName {
    private static final Pattern NAME = Pattern.compile("^([a-z0-9][a-z0-9-]{0,39})\\.(raw|qcow2|vmdk)$");

    static FlatVolumeName parse(String text) throws VolumeNameException {
        Matcher m = NAME.matcher(text);
        if (!m.matches()) {
            throw new VolumeNameException("unable to parse flat volume name '" + text
                    + "' (expected NAME.raw, NAME.qcow2 or NAME.vmdk)");
        }
        return new FlatVolumeName(m.group(1), DiskFormat.fromId(m.group(2)).orElseThrow());
    }

    @Override
    public String volname() {
        return stem + "." + format.id();
    }

    @Override
    public ContentType type() {
        return ContentType.IMAGES;
    }

    @Override
    public OptionalInt vmid() {
        return OptionalInt.empty();
    }

    @Override
    public boolean isBase() {
        return false;
    }

    /** The same stem with {@code -N} appended: what {@code allow-rename} tries. */
    FlatVolumeName numbered(int n) {
        return new FlatVolumeName(stem + "-" + n, format);
    }
}
