package dev.volport.storage;

import dev.volport.format.StreamFormat;
import dev.volport.volume.ContentType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a storage can do, independent of any one volume: the stream formats it can export and import, per content
 * type (best first), and its features. Per-volume answers still come from {@link Storage#exportFormats} and
 * {@link Storage#importFormats}, which narrow these by the volume's own format and the options.
 *
 * @param exportFormats  per content type, the formats a volume of it may be exported in; absent = none
 * @param importFormats  per content type, the formats a stream into it may arrive in; absent = none
 * @param snapshots      volumes can carry snapshots ({@link Snapshots})
 * @param linkedClones   volumes can be linked clones of a base volume
 * @param incremental    imports accept incremental streams (a {@code base} snapshot)
 * @param shared         the storage is the same on every node (migration never copies it)
 * @param reflink        copies within the storage can share blocks
 */
public record Capabilities(Map<ContentType, List<StreamFormat>> exportFormats,
        Map<ContentType, List<StreamFormat>> importFormats, boolean snapshots, boolean linkedClones,
        boolean incremental, boolean shared, boolean reflink) {
    public Capabilities {
        exportFormats = copy(exportFormats);
        importFormats = copy(importFormats);
    }

    private static Map<ContentType, List<StreamFormat>> copy(Map<ContentType, List<StreamFormat>> m) {
        Map<ContentType, List<StreamFormat>> out = new EnumMap<>(ContentType.class);
        m.forEach((k, v) -> out.put(Objects.requireNonNull(k), List.copyOf(v)));
        return Collections.unmodifiableMap(out);
    }

    /** Whether any content type can be imported from a stream of {@code format}. */
    public boolean imports(StreamFormat format) {
        return importFormats.values().stream().anyMatch(l -> l.contains(format));
    }

    /** Whether any content type can be exported as {@code format}. */
    public boolean exports(StreamFormat format) {
        return exportFormats.values().stream().anyMatch(l -> l.contains(format));
    }
}
