package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import dev.volport.volume.VolumeId;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters for volport's value types; each rejects bad input with the value's own message. */
final class Converters {
    private Converters() {
    }

    /** A value parser of volport's that throws its own checked exception. */
    private interface Parser<T> {
        T parse() throws dev.volport.VolportException;
    }

    /** Runs {@code parser}; its message becomes picocli's, without the exception's class name. */
    private static <T> T convertChecked(Parser<T> parser) {
        try {
            return parser.parse();
        } catch (dev.volport.VolportException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    static final class Volume implements ITypeConverter<VolumeId> {
        @Override
        public VolumeId convert(String s) {
            return convertChecked(() -> VolumeId.parse(s));
        }
    }

    static final class Store implements ITypeConverter<StoreId> {
        @Override
        public StoreId convert(String s) {
            return convertChecked(() -> StoreId.parse(s));
        }
    }

    static final class Format implements ITypeConverter<StreamFormat> {
        @Override
        public StreamFormat convert(String s) {
            return StreamFormat.byWireName(s).orElseThrow(() -> new TypeConversionException("unknown format '" + s
                    + "' (known: " + StreamFormat.KNOWN.stream().map(StreamFormat::wireName)
                    .collect(Collectors.joining(", ")) + ")"));
        }
    }

    static final class Snapshot implements ITypeConverter<SnapshotName> {
        @Override
        public SnapshotName convert(String s) {
            return convertChecked(() -> SnapshotName.parse(s));
        }
    }

    static final class DeleteSnapshot implements ITypeConverter<SnapshotName> {
        @Override
        public SnapshotName convert(String s) {
            return convertChecked(() -> SnapshotName.parseForDelete(s));
        }
    }

    /**
     * The reference's booleans: {@code 0|1}, plus {@code true|false|yes|no|on|off}. A record rather than
     * {@code boolean} because picocli lets an optional boolean value be only {@code true} or {@code false}.
     */
    record Switch(boolean on) {
        static final Switch OFF = new Switch(false);
    }

    static final class Flag implements ITypeConverter<Switch> {
        @Override
        public Switch convert(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "1", "true", "yes", "on" -> new Switch(true);
                case "0", "false", "no", "off" -> Switch.OFF;
                default -> throw new TypeConversionException("'" + s + "' is not a boolean (use 0 or 1)");
            };
        }
    }

    /**
     * A size in KiB, the reference's unit: a plain number is KiB; suffixes {@code K}, {@code M}, {@code G},
     * {@code T} (powers of 1024) are accepted.
     */
    static final class SizeKiB implements ITypeConverter<Long> {
        @Override
        public Long convert(String s) {
            var m = java.util.regex.Pattern.compile("(\\d{1,15})([KMGT]?)(i?B)?", java.util.regex.Pattern
                    .CASE_INSENSITIVE).matcher(s);
            if (!m.matches()) {
                throw new TypeConversionException("invalid size '" + s + "' (a number of KiB, or with K/M/G/T)");
            }
            long n = Long.parseLong(m.group(1));
            int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
                case "M" -> 10;
                case "G" -> 20;
                case "T" -> 30;
                default -> 0;
            };
            if (n > (Long.MAX_VALUE >> 10 >> shift)) {
                throw new TypeConversionException("size '" + s + "' is too large");
            }
            return n << shift;
        }
    }
}
