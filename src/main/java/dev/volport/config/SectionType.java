package dev.volport.config;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a storage type accepts in its {@code storage.cfg} sections: the type name of the section header, the
 * properties with the shape of each value ({@link PropertyKind}), the one required property, the content types
 * and disk formats its {@code content} and {@code format} properties may name. The config package knows no
 * storage type by name: each storage type contributes its {@code SectionType}, and {@link StorageConfig#parse}
 * is given the list. Immutable; equal when all parts are equal.
 *
 * @param id          the name in a section header, lowercase: {@code dir}, {@code zfspool}, …
 * @param properties  the accepted properties in documentation order
 * @param required    the property every section of this type must set
 * @param content     the content types {@code content} may list
 * @param contentNone whether {@code content none} (no content at all) is allowed
 * @param formats     the values {@code format} may take
 */
public record SectionType(String id, Map<String, PropertyKind> properties, String required,
        Set<ContentType> content, boolean contentNone, List<DiskFormat> formats) {
    private static final Pattern ID = Pattern.compile("^[a-z][a-z0-9]*$");

    public SectionType {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("storage type name '" + id + "' is not a lowercase word");
        }
        properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        if (!properties.containsKey(Objects.requireNonNull(required, "required"))) {
            throw new IllegalArgumentException("storage type '" + id + "': required property '" + required
                    + "' is not among its properties");
        }
        content = Collections.unmodifiableSet(content.isEmpty() ? EnumSet.noneOf(ContentType.class)
                : EnumSet.copyOf(content));
        formats = List.copyOf(formats);
    }

    /** The kind of property {@code key}, or empty when this type does not accept it. */
    public Optional<PropertyKind> kind(String key) {
        return Optional.ofNullable(properties.get(key));
    }

    /**
     * A property map from {@code key, kind, key, kind, …} pairs, in the order given.
     *
     * @throws IllegalArgumentException when the pairs do not alternate name and kind
     */
    public static Map<String, PropertyKind> properties(Object... pairs) {
        if (pairs.length % 2 != 0) {
            throw new IllegalArgumentException("expected name/kind pairs, found " + pairs.length + " items");
        }
        Map<String, PropertyKind> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], (PropertyKind) pairs[i + 1]);
        }
        return m;
    }

    /** The type with this exact (lowercase) name among {@code types}, or empty. */
    public static Optional<SectionType> find(Collection<SectionType> types, String id) {
        return types.stream().filter(t -> t.id.equals(id)).findFirst();
    }
}
