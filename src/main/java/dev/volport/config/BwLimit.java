package dev.volport.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The {@code bwlimit} property ({@code pve-storage.md} §3.4): per-operation bandwidth limits in KiB/s, written
 * {@code default=50,move=40,restore=30}. A missing operation falls back to {@code default}; resolving limits across
 * storages is the caller's job. Values are non-negative integers up to {@value #MAX_KIBPS} (so that
 * {@code × 1024} bytes/s cannot overflow); 0 means unlimited, as in the reference.
 *
 * @param defaultKiBps the {@code default} limit
 * @param restore      the {@code restore} limit
 * @param migration    the {@code migration} limit
 * @param cloneKiBps   the {@code clone} limit (a record component cannot be called {@code clone})
 * @param move         the {@code move} limit
 * @throws IllegalArgumentException from the constructor if a value is negative or above {@value #MAX_KIBPS}
 */
public record BwLimit(OptionalLong defaultKiBps, OptionalLong restore, OptionalLong migration,
        OptionalLong cloneKiBps, OptionalLong move) {
    /** Largest accepted limit, in KiB/s: {@code Long.MAX_VALUE / 1024}. */
    public static final long MAX_KIBPS = Long.MAX_VALUE / 1024;

    private static final List<String> KEYS = List.of("default", "restore", "migration", "clone", "move");

    public BwLimit {
        for (OptionalLong v : List.of(defaultKiBps, restore, migration, cloneKiBps, move)) {
            Objects.requireNonNull(v, "limit");
            if (v.isPresent() && (v.getAsLong() < 0 || v.getAsLong() > MAX_KIBPS)) {
                throw new IllegalArgumentException("bandwidth limit must be in [0, " + MAX_KIBPS + "] KiB/s, got "
                        + v.getAsLong());
            }
        }
    }

    /**
     * Parses {@code key=value[,key=value…]} with keys {@code default}, {@code restore}, {@code migration},
     * {@code clone}, {@code move}, each at most once.
     *
     * @throws ConfigException {@code invalid bwlimit 'TEXT': REASON} (the caller prefixes the location)
     */
    public static BwLimit parse(String text) throws ConfigException {
        Objects.requireNonNull(text, "text");
        String prefix = "invalid bwlimit '" + PropertySchema.excerpt(text) + "': ";
        Map<String, Long> values = new LinkedHashMap<>();
        if (text.isEmpty()) {
            throw new ConfigException(prefix + "expected KEY=KiB/s[,KEY=KiB/s…], found nothing");
        }
        for (String item : text.split(",", -1)) {
            int eq = item.indexOf('=');
            if (eq < 0) {
                throw new ConfigException(prefix + "expected KEY=KiB/s, found '" + PropertySchema.excerpt(item) + "'");
            }
            String key = item.substring(0, eq);
            String value = item.substring(eq + 1);
            if (!KEYS.contains(key)) {
                throw new ConfigException(prefix + "unknown key '" + PropertySchema.excerpt(key)
                        + "' (expected one of " + String.join(", ", KEYS) + ")");
            }
            if (values.containsKey(key)) {
                throw new ConfigException(prefix + "duplicate key '" + key + "'");
            }
            // at most 18 digits always fits in a long; the range check does the rest
            if (!value.matches("[0-9]{1,18}") || Long.parseLong(value) > MAX_KIBPS) {
                throw new ConfigException(prefix + "expected a whole number of KiB/s in [0, " + MAX_KIBPS
                        + "] for '" + key + "', found '" + PropertySchema.excerpt(value) + "'");
            }
            values.put(key, Long.parseLong(value));
        }
        Function<String, OptionalLong> get = k -> values.containsKey(k) ? OptionalLong.of(values.get(k))
                : OptionalLong.empty();
        return new BwLimit(get.apply("default"), get.apply("restore"), get.apply("migration"), get.apply("clone"),
                get.apply("move"));
    }

    /** {@code key=value} pairs in the order default, restore, migration, clone, move; empty if no limit is set. */
    public String format() {
        List<String> parts = new ArrayList<>();
        List<OptionalLong> all = List.of(defaultKiBps, restore, migration, cloneKiBps, move);
        for (int i = 0; i < KEYS.size(); i++) {
            if (all.get(i).isPresent()) {
                parts.add(KEYS.get(i) + "=" + all.get(i).getAsLong());
            }
        }
        return String.join(",", parts);
    }
}
