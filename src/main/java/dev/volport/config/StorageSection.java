package dev.volport.config;

import dev.volport.volume.ContentType;
import dev.volport.volume.DiskFormat;
import dev.volport.volume.StoreId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One storage definition from {@code storage.cfg}: a type, an id and its properties, all validated
 * ({@code pve-storage.md} §4.1, §4.2). Immutable. Two sections are equal when type, id and the properties (with
 * their order) are equal. Which properties a type takes is its {@link SectionType}; the built-in ones:
 * <ul>
 *   <li>{@code dir}: {@code path} (required), {@code content}, {@code format} (raw, qcow2, vmdk, subvol),
 *       {@code preallocation}, {@code shared}, {@code disable}, {@code nodes}, {@code bwlimit}, {@code mkdir},
 *       {@code create-base-path}, {@code create-subdirs}, {@code is_mountpoint}, {@code content-dirs},
 *       {@code prune-backups}, {@code max-protected-backups};</li>
 *   <li>{@code btrfs}: as dir without {@code shared} and {@code content-dirs}; {@code format} raw or subvol;</li>
 *   <li>{@code zfspool}: {@code pool} (required), {@code content} (images, rootdir), {@code blocksize},
 *       {@code sparse}, {@code mountpoint}, {@code nodes}, {@code disable}, {@code bwlimit}.</li>
 * </ul>
 * Booleans are the reference's words ({@code 0|1|no|yes|off|on|false|true}, any case) and are kept as {@code 0}
 * or {@code 1}; a bare key means {@code 1}. Paths are kept without repeated or trailing slashes. Each property is
 * read into its typed value once, when the section is built ({@link #isMountpoint()}, {@link #shared()}, …).
 */
public final class StorageSection {
    private final SectionType type;
    private final StoreId id;
    private final Map<String, String> properties;
    // Every property is read once, here, by the functions that validated it; consumers get typed values only.
    private final Set<ContentType> content;
    private final Optional<DiskFormat> format;
    private final Optional<Preallocation> preallocation;
    private final boolean shared;
    private final boolean disabled;
    private final boolean createBasePath;
    private final boolean createSubdirs;
    private final IsMountpoint isMountpoint;
    private final List<String> nodes;
    private final Optional<BwLimit> bwlimit;

    private StorageSection(SectionType type, StoreId id, Map<String, String> properties) {
        this.type = type;
        this.id = id;
        this.properties = Collections.unmodifiableMap(new LinkedHashMap<>(properties));
        String c = properties.get("content");
        this.content = Collections.unmodifiableSet(c == null ? EnumSet.of(ContentType.IMAGES, ContentType.ROOTDIR)
                : PropertySchema.content(type, c));
        this.format = read("format", DiskFormat::fromId);
        this.preallocation = read("preallocation", Preallocation::fromId);
        this.shared = flag("shared").orElse(false);
        this.disabled = flag("disable").orElse(false);
        boolean mkdir = flag("mkdir").orElse(true);
        this.createBasePath = flag("create-base-path").orElse(mkdir);
        this.createSubdirs = flag("create-subdirs").orElse(mkdir);
        this.isMountpoint = read("is_mountpoint", IsMountpoint::parse).orElse(IsMountpoint.NO);
        String n = properties.get("nodes");
        this.nodes = n == null ? List.of() : List.copyOf(PropertySchema.split(n));
        this.bwlimit = read("bwlimit", b -> {
            try {
                return Optional.of(BwLimit.parse(b));
            } catch (ConfigException e) {
                return Optional.empty();
            }
        });
    }

    /** The typed value of a validated property, if set; a value that no longer reads is a programming error. */
    private <T> Optional<T> read(String key, Function<String, Optional<T>> reader) {
        String v = properties.get(key);
        if (v == null) {
            return Optional.empty();
        }
        return Optional.of(reader.apply(v).orElseThrow(() -> new IllegalStateException("storage '" + id
                + "': validated property " + key + "='" + v + "' no longer reads")));
    }

    private Optional<Boolean> flag(String key) {
        return read(key, PropertySchema::parseBoolean);
    }

    /** Starts a section of {@code type} named {@code id}; {@link Builder#build()} validates it. */
    public static Builder builder(SectionType type, StoreId id) {
        return new Builder(type, id);
    }

    public SectionType type() {
        return type;
    }

    public StoreId id() {
        return id;
    }

    /** {@code path} (dir, btrfs): absolute, without trailing slash. */
    public Optional<Path> path() {
        return Optional.ofNullable(properties.get("path")).map(Path::of);
    }

    /** {@code pool} (zfspool): the pool or dataset that holds the volumes, e.g. {@code rpool/data}. */
    public Optional<String> pool() {
        return Optional.ofNullable(properties.get("pool"));
    }

    /** {@code content}, or the type's default {@code images,rootdir}; empty for {@code none}. Unmodifiable. */
    public Set<ContentType> content() {
        return content;
    }

    /** {@code format}: the default format of new images, if set. */
    public Optional<DiskFormat> format() {
        return format;
    }

    /** {@code preallocation}, if set (the reference's default is {@code metadata}). */
    public Optional<Preallocation> preallocation() {
        return preallocation;
    }

    /** {@code shared}: the storage is the same on every node, so migration never copies it. */
    public boolean shared() {
        return shared;
    }

    /** {@code disable}. */
    public boolean disabled() {
        return disabled;
    }

    /** {@code nodes}: the nodes the storage is available on; empty means all. */
    public List<String> nodes() {
        return nodes;
    }

    /** {@code bwlimit}, in KiB/s. */
    public Optional<BwLimit> bwlimit() {
        return bwlimit;
    }

    /** Whether to create the base path: {@code create-base-path}, else {@code mkdir}, else true. */
    public boolean createBasePath() {
        return createBasePath;
    }

    /** Whether to create content subdirectories: {@code create-subdirs}, else {@code mkdir}, else true. */
    public boolean createSubdirs() {
        return createSubdirs;
    }

    /**
     * {@code content-dirs}: the subdirectory (relative to {@code path}, normalised: no leading, doubled or trailing
     * {@code /}, no {@code .} component) that replaces a content type's default one. Empty when not set.
     */
    public Map<ContentType, String> contentDirs() {
        String v = properties.get("content-dirs");
        if (v == null) {
            return Map.of();
        }
        Map<ContentType, String> out = new java.util.EnumMap<>(ContentType.class);
        for (String item : v.split(",")) {
            int eq = item.indexOf('=');
            out.put(ContentType.fromId(item.substring(0, eq).strip()).orElseThrow(),
                    PropertySchema.normalizeRelative(item.substring(eq + 1)));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** {@code is_mountpoint}: {@link IsMountpoint#NO} when not set. */
    public IsMountpoint isMountpoint() {
        return isMountpoint;
    }

    /**
     * The directory that must be mounted for this storage to be online: the path for {@code is_mountpoint yes},
     * the given directory for {@code is_mountpoint /mnt/x}; empty when the storage is not a mount point (or has no
     * path).
     */
    public Optional<Path> mountPoint() {
        return path().flatMap(isMountpoint::mountPoint);
    }

    /** All properties in the order written, with booleans as {@code 0}/{@code 1}. Unmodifiable. */
    public Map<String, String> properties() {
        return properties;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StorageSection s && type.equals(s.type) && id.equals(s.id)
                && new ArrayList<>(properties.entrySet()).equals(new ArrayList<>(s.properties.entrySet()));
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, id, properties);
    }

    @Override
    public String toString() {
        return type.id() + ": " + id + " " + properties;
    }

    /**
     * Collects properties for one section. Not thread-safe. Nothing is checked until {@link #build()}, which
     * validates exactly as the parser does.
     */
    public static final class Builder {
        private record Entry(String key, String value, int line) {
        }

        private final SectionType type;
        private final StoreId id;
        private final List<Entry> entries = new ArrayList<>();
        private String source;
        private int headerLine;

        private Builder(SectionType type, StoreId id) {
            this.type = Objects.requireNonNull(type, "type");
            this.id = Objects.requireNonNull(id, "id");
        }

        /** Adds {@code key value}; write a boolean as {@code 0} or {@code 1}. Order is kept. */
        public Builder property(String key, String value) {
            entries.add(new Entry(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"), 0));
            return this;
        }

        /** For the parser: a property from {@code line}; {@code value} null for a bare key. */
        Builder property(String key, String value, int line) {
            entries.add(new Entry(key, value, line));
            return this;
        }

        /** For the parser: errors then name {@code source:line}. */
        Builder source(String source, int headerLine) {
            this.source = source;
            this.headerLine = headerLine;
            return this;
        }

        private String where(int line) {
            return source == null ? "storage '" + id + "'" : source + ":" + line;
        }

        /**
         * Validates and builds the section.
         *
         * @throws ConfigException for an unknown property, a duplicate property, a bad value or a missing
         *         required property, located at the line (parser) or as {@code storage 'ID'} (built in code)
         */
        public StorageSection build() throws ConfigException {
            Map<String, String> props = new LinkedHashMap<>();
            Map<String, Integer> firstLine = new HashMap<>();
            for (Entry e : entries) {
                String where = where(e.line());
                if (props.containsKey(e.key())) {
                    throw ConfigException.at(where, "duplicate property '" + PropertySchema.excerpt(e.key()) + "'"
                            + (source == null ? "" : " (first set on line " + firstLine.get(e.key()) + ")"));
                }
                props.put(e.key(), PropertySchema.normalize(type, e.key(), e.value(), where));
                firstLine.put(e.key(), e.line());
            }
            String required = type.required();
            if (!props.containsKey(required)) {
                throw ConfigException.at(where(headerLine), "missing required property '" + required
                        + "' for storage type '" + type.id() + "'");
            }
            return new StorageSection(type, id, props);
        }
    }
}
