package dev.volport.config;

import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The storages of a {@code storage.cfg} in Proxmox's section-config syntax ({@code pve-storage.md} §4.1;
 * DESIGN §2). Immutable; sections keep their file order and ids are unique.
 *
 * <p>Grammar: the text is split on {@code \n}; lines matching {@code ^\s*#} are comments; a header
 * {@code TYPE: STOREID} ({@code ^(\S+):\s*(\S+)\s*$}, type case-insensitive) starts a section; indented lines
 * {@code ^\s+(\S+)(\s+(.*\S))?\s*$} are its properties; a blank (or whitespace-only) line ends it. volport is
 * stricter than the reference, which skips bad sections with a warning: every problem is a {@link ConfigException}
 * naming the file and line — a property outside a section, a non-indented line inside one, duplicates, invalid ids,
 * unknown types or properties, bad values, a missing required property, a CR or other control character.
 * The reference's implicit {@code local} storage is not added.
 *
 * <p>{@link #write()} emits {@code TYPE: ID}, then {@code \tKEY VALUE} per property in stored order (bare booleans
 * as {@code KEY 1}), with a blank line between sections, so {@code parse(write(c))} equals {@code c}.
 */
public final class StorageConfig {
    /** Largest configuration accepted, in bytes (and in characters for {@link #parse}): 1 MiB. */
    public static final int MAX_SIZE = 1 << 20;
    /** Where the configuration is when neither {@code --config} nor {@code $VOLPORT_CONFIG} says otherwise. */
    public static final Path DEFAULT_PATH = Path.of("/etc/volport/storage.cfg");
    /** The environment variable {@link #locate} reads. */
    public static final String ENV_VAR = "VOLPORT_CONFIG";

    private static final Pattern COMMENT = Pattern.compile("^\\s*#.*", Pattern.DOTALL);
    private static final Pattern BLANK = Pattern.compile("^\\s*$");
    private static final Pattern HEADER = Pattern.compile("^(\\S+):\\s*(\\S+)\\s*$");
    private static final Pattern PROPERTY = Pattern.compile("^\\s+(\\S+)(\\s+(.*\\S))?\\s*$");

    private final List<StorageSection> sections;

    private StorageConfig(List<StorageSection> sections) {
        this.sections = List.copyOf(sections);
    }

    /**
     * A configuration of these sections, in this order.
     *
     * @throws ConfigException {@code duplicate storage id 'ID'} if two sections share an id
     */
    public static StorageConfig of(List<StorageSection> sections) throws ConfigException {
        Objects.requireNonNull(sections, "sections");
        Map<StoreId, StorageSection> seen = new HashMap<>();
        for (StorageSection s : sections) {
            if (seen.put(Objects.requireNonNull(s, "section").id(), s) != null) {
                throw new ConfigException("duplicate storage id '" + s.id() + "'");
            }
        }
        return new StorageConfig(sections);
    }

    /**
     * Parses {@code text}; {@code sourceName} (usually the file's path) starts every error message. {@code types}
     * are the storage types a section header may name, each with the properties it accepts.
     *
     * @throws ConfigException {@code SOURCE:LINE: WHAT}, or {@code SOURCE: WHAT} for a text over {@link #MAX_SIZE}
     */
    public static StorageConfig parse(String text, String sourceName, Collection<SectionType> types)
            throws ConfigException {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(types, "types");
        Objects.requireNonNull(sourceName, "sourceName");
        if (text.length() > MAX_SIZE) {
            throw ConfigException.at(sourceName, "larger than " + MAX_SIZE + " characters");
        }
        String[] lines = text.split("\n", -1);
        List<StorageSection> sections = new ArrayList<>();
        Map<StoreId, Integer> idLines = new HashMap<>();
        StorageSection.Builder current = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int lineNo = i + 1;
            String where = sourceName + ":" + lineNo;
            checkCharacters(line, where);
            if (COMMENT.matcher(line).matches()) {
                continue;
            }
            if (BLANK.matcher(line).matches()) {
                if (current != null) {
                    sections.add(current.build());
                    current = null;
                }
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (current == null) {
                    throw ConfigException.at(where, "expected a section header 'TYPE: STOREID' before properties,"
                            + " found the indented line '" + PropertySchema.excerpt(line.strip()) + "'");
                }
                Matcher m = PROPERTY.matcher(line);
                if (!m.matches()) { // cannot happen for a non-blank indented line; kept as a guard
                    throw ConfigException.at(where, "expected 'KEY [VALUE]', found '" + PropertySchema.excerpt(line)
                            + "'");
                }
                current.property(m.group(1), m.group(3), lineNo);
                continue;
            }
            if (current != null) {
                throw ConfigException.at(where, "expected an indented property or a blank line ending the section,"
                        + " found '" + PropertySchema.excerpt(line) + "'");
            }
            current = header(line, where, lineNo, sourceName, idLines, types);
        }
        if (current != null) {
            sections.add(current.build());
        }
        return new StorageConfig(sections);
    }

    private static void checkCharacters(String line, String where) throws ConfigException {
        for (int j = 0; j < line.length(); j++) {
            char c = line.charAt(j);
            if (c == '\r') {
                throw ConfigException.at(where, "expected LF line endings, found a carriage return (CR)");
            }
            if (c != '\t' && Character.isISOControl(c)) {
                throw ConfigException.at(where, String.format("expected printable text, found control character"
                        + " \\x%02x at column %d", (int) c, j + 1));
            }
        }
    }

    private static StorageSection.Builder header(String line, String where, int lineNo, String sourceName,
            Map<StoreId, Integer> idLines, Collection<SectionType> types) throws ConfigException {
        Matcher m = HEADER.matcher(line);
        if (!m.matches()) {
            throw ConfigException.at(where, "expected a section header 'TYPE: STOREID', found '"
                    + PropertySchema.excerpt(line) + "'");
        }
        String typeName = m.group(1).toLowerCase(Locale.ROOT);
        SectionType type = SectionType.find(types, typeName).orElseThrow(() -> ConfigException.at(where,
                "unknown storage type '" + PropertySchema.excerpt(m.group(1)) + "' (expected one of "
                        + String.join(", ", types.stream().map(SectionType::id).toList()) + ")"));
        StoreId id;
        try {
            id = StoreId.parse(m.group(2));
        } catch (VolumeNameException e) {
            throw ConfigException.at(where, e.getMessage());
        }
        Integer first = idLines.putIfAbsent(id, lineNo);
        if (first != null) {
            throw ConfigException.at(where, "duplicate storage id '" + id + "' (first defined on line " + first + ")");
        }
        return StorageSection.builder(type, id).source(sourceName, lineNo);
    }

    /**
     * Reads and parses {@code file} as UTF-8; errors name the file as given.
     *
     * @throws ConfigException if the file cannot be read, is over {@link #MAX_SIZE} bytes, is not UTF-8, or does
     *         not parse
     */
    public static StorageConfig load(Path file, Collection<SectionType> types) throws ConfigException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_SIZE + 1);
        } catch (IOException e) {
            throw new ConfigException("cannot read storage configuration '" + name + "': " + readProblem(file, e), e);
        }
        if (bytes.length > MAX_SIZE) {
            throw ConfigException.at(name, "larger than " + MAX_SIZE + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException(name + ": expected UTF-8 text, found invalid byte sequences", e);
        }
        return parse(text, name, types);
    }

    /** Why {@code file} could not be read, in plain words (a directory opens, and fails on the first read). */
    private static String readProblem(Path file, IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (Files.isDirectory(file)) {
            return "is a directory";
        }
        String why = e instanceof java.nio.file.FileSystemException f ? f.getReason() : e.getMessage();
        if (why == null || why.isBlank()) {
            return "input/output error";
        }
        return why.length() > 1 && Character.isUpperCase(why.charAt(0)) && Character.isLowerCase(why.charAt(1))
                ? Character.toLowerCase(why.charAt(0)) + why.substring(1) : why;
    }

    /**
     * Where the configuration is: {@code cliOption} (the {@code --config} value) if non-empty, else
     * {@code $VOLPORT_CONFIG} from {@code env} if non-empty, else {@link #DEFAULT_PATH}. Does no I/O.
     *
     * @throws java.nio.file.InvalidPathException if the chosen text is not a path (e.g. contains NUL)
     */
    public static Path locate(String cliOption, Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        if (cliOption != null && !cliOption.isEmpty()) {
            return Path.of(cliOption);
        }
        String fromEnv = env.get(ENV_VAR);
        if (fromEnv != null && !fromEnv.isEmpty()) {
            return Path.of(fromEnv);
        }
        return DEFAULT_PATH;
    }

    /** The text of this configuration; {@code parse(write())} gives an equal configuration. */
    public String write() {
        StringBuilder sb = new StringBuilder();
        for (StorageSection s : sections) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(s.type().id()).append(": ").append(s.id()).append('\n');
            s.properties().forEach((k, v) -> sb.append('\t').append(k).append(' ').append(v).append('\n'));
        }
        return sb.toString();
    }

    /** The sections in file order. Unmodifiable. */
    public List<StorageSection> sections() {
        return sections;
    }

    /** The section with this id, if any. */
    public Optional<StorageSection> find(StoreId id) {
        return sections.stream().filter(s -> s.id().equals(id)).findFirst();
    }

    /**
     * The section with this id.
     *
     * @throws ConfigException {@code storage 'ID' does not exist}
     */
    public StorageSection require(StoreId id) throws ConfigException {
        return find(id).orElseThrow(() -> new ConfigException("storage '" + id + "' does not exist"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StorageConfig c && sections.equals(c.sections);
    }

    @Override
    public int hashCode() {
        return sections.hashCode();
    }

    @Override
    public String toString() {
        return "StorageConfig" + sections;
    }
}
