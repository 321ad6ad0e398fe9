package dev.volport.storage.zfs;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.VolumeName;
import dev.volport.volume.VolumeNameException;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A volume name of a {@code zfspool} storage: the reference's grammar
 * {@code ^(((base|basevol)-(\d+)-\S+)/)?((base|basevol|vm|subvol)-(\d+)-\S+)$} ({@code pve-storage.md} §4.3).
 * {@code vm-…}/{@code base-…} are zvols (format raw), {@code subvol-…}/{@code basevol-…} datasets (format subvol);
 * a name {@code BASE/NAME} is a linked clone of base volume {@code BASE}, whose dataset is {@code POOL/NAME} (the
 * reference's fix #1770: the dataset is the parsed name, never the whole volume name).
 *
 * <p>Hardening beyond the reference's {@code \S+}: the rest of each part is at most 200 characters of the ZFS
 * dataset alphabet without {@code @} and {@code /} ({@code [A-Za-z0-9_.:-]}), so a name can never reach another
 * dataset, a snapshot, or an option of the {@code zfs} command; vmids are canonical decimals up to 999999999.
 *
 * @param base  the base volume of a linked clone ({@code base-100-disk-0}), a name of this grammar itself
 * @param name  the dataset name below the pool, e.g. {@code subvol-101-disk-0}
 * @param guest the guest (vmid) that owns {@code name}
 */
public record ZfsVolumeName(Optional<String> base, String name, int guest) implements VolumeName {
    private static final String REST = "-(0|[1-9][0-9]{0,8})-[A-Za-z0-9_.:\\-]{1,200})";
    private static final String PART = "((?:base|basevol|vm|subvol)" + REST;
    private static final Pattern GRAMMAR = Pattern.compile("^(?:((?:base|basevol)" + REST + "/)?" + PART + "$");
    private static final Pattern ONE = Pattern.compile("^" + PART + "$");

    public ZfsVolumeName {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(name, "name");
        Matcher m = ONE.matcher(name);
        if (!m.matches() || Integer.parseInt(m.group(2)) != guest) {
            throw new IllegalArgumentException("invalid zfs volume name '" + name + "' for vmid " + guest);
        }
        if (base.isPresent() && !GRAMMAR.matcher(base.get() + "/" + name).matches()) {
            throw new IllegalArgumentException("invalid zfs base volume '" + base.get() + "'");
        }
    }

    /**
     * Parses untrusted text.
     *
     * @throws VolumeNameException {@code unable to parse zfs volume name 'TEXT'}
     */
    public static ZfsVolumeName parse(String volname) throws VolumeNameException {
        Objects.requireNonNull(volname, "volname");
        Matcher m = volname.length() <= 512 ? GRAMMAR.matcher(volname) : null;
        if (m == null || !m.matches()) {
            throw new VolumeNameException("unable to parse zfs volume name '" + excerpt(volname) + "'");
        }
        return new ZfsVolumeName(Optional.ofNullable(m.group(1)), m.group(3), Integer.parseInt(m.group(4)));
    }

    /** A new volume {@code name} (no base), as chosen by alloc or an import with {@code allow-rename}. */
    static ZfsVolumeName of(String name) throws VolumeNameException {
        return parse(name);
    }

    @Override
    public String volname() {
        return base.map(b -> b + "/").orElse("") + name;
    }

    /** Container volumes parse as images, as in the reference. */
    @Override
    public ContentType type() {
        return ContentType.IMAGES;
    }

    @Override
    public OptionalInt vmid() {
        return OptionalInt.of(guest);
    }

    /** {@code subvol} for a dataset ({@code subvol-…}, {@code basevol-…}), {@code raw} for a zvol. */
    @Override
    public DiskFormat format() {
        return isDataset() ? DiskFormat.SUBVOL : DiskFormat.RAW;
    }

    @Override
    public boolean isBase() {
        return name.startsWith("base");
    }

    /** Whether the volume is a dataset (a filesystem) rather than a zvol. */
    public boolean isDataset() {
        return name.startsWith("subvol-") || name.startsWith("basevol-");
    }

    @Override
    public String toString() {
        return volname();
    }

    private static String excerpt(String text) {
        StringBuilder sb = new StringBuilder();
        text.codePoints().limit(80).forEach(c -> {
            if (Character.isISOControl(c)) {
                sb.append(String.format("\\x%02x", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return text.length() > 80 ? sb + "…(" + text.length() + " chars)" : sb.toString();
    }
}
