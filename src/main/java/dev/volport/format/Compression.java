package dev.volport.format;

/**
 * How an exporter may compress a stream that allows it ({@code raw+sparse}): not at all, or zstd at a level. Parsed
 * once from the command line's {@code --compress zstd[:LEVEL]}.
 *
 * @param zstdLevel 0 for no compression, else the zstd level, 1 to {@value #MAX_LEVEL}
 */
public record Compression(int zstdLevel) {
    /** No compression. */
    public static final Compression NONE = new Compression(0);
    /** zstd's own default level: fast, and most of what higher levels gain on disk images. */
    public static final int DEFAULT_LEVEL = 3;
    /** zstd's highest level. */
    public static final int MAX_LEVEL = 22;

    public Compression {
        if (zstdLevel < 0 || zstdLevel > MAX_LEVEL) {
            throw new IllegalArgumentException("zstd level " + zstdLevel + " is outside 1-" + MAX_LEVEL);
        }
    }

    /** Whether anything is compressed. */
    public boolean enabled() {
        return zstdLevel > 0;
    }

    /**
     * Parses {@code none}, {@code zstd} or {@code zstd:LEVEL}.
     *
     * @throws FormatException naming the text and what is accepted
     */
    public static Compression parse(String text) throws FormatException {
        if (text.equals("none")) {
            return NONE;
        }
        if (text.equals("zstd")) {
            return new Compression(DEFAULT_LEVEL);
        }
        if (text.startsWith("zstd:") && text.substring(5).matches("\\d{1,2}")) {
            int level = Integer.parseInt(text.substring(5));
            if (level >= 1 && level <= MAX_LEVEL) {
                return new Compression(level);
            }
        }
        throw new FormatException("invalid compression '" + text + "': expected none, zstd or zstd:LEVEL with a"
                + " LEVEL from 1 to " + MAX_LEVEL);
    }

    @Override
    public String toString() {
        return enabled() ? "zstd:" + zstdLevel : "none";
    }
}
