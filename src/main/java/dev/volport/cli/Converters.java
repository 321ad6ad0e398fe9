package dev.volport.cli;

import dev.volport.format.StreamFormat;
import dev.volport.volume.ContentType;
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
            throw new BadValue(e.getMessage());
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
            return StreamFormat.byWireName(s).orElseThrow(() -> new BadValue("unknown format '" + s
                    + "' (known: " + StreamFormat.KNOWN.stream().map(StreamFormat::wireName)
                    .collect(Collectors.joining(", ")) + ")"));
        }
    }

    static final class Compress implements ITypeConverter<dev.volport.format.Compression> {
        @Override
        public dev.volport.format.Compression convert(String s) {
            return convertChecked(() -> dev.volport.format.Compression.parse(s));
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
                default -> throw new BadValue("'" + s + "' is not a boolean (use 0 or 1)");
            };
        }
    }

    /**
     * A guest id: a decimal number from 0 to 2^31-1 (the storage checks the range it allows); refused with a
     * message naming the value rather than picocli's, which names a Java type.
     */
    /** A content type as in {@code storage.cfg} ({@code images}, {@code iso}, …), for {@code list --content}. */
    static final class Content implements ITypeConverter<ContentType> {
        @Override
        public ContentType convert(String s) {
            return ContentType.fromId(s).orElseThrow(() -> new BadValue("invalid content type '" + s
                    + "': expected one of " + String.join(", ", java.util.Arrays.stream(ContentType.values())
                            .map(ContentType::id).toList())));
        }
    }

    static final class Vmid implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String s) {
            if (!s.matches("\\d{1,10}")) {
                throw new BadValue("invalid VMID '" + s + "': expected a number such as 100");
            }
            long n = Long.parseLong(s);
            if (n > Integer.MAX_VALUE) {
                throw new BadValue("invalid VMID '" + s + "': larger than " + Integer.MAX_VALUE);
            }
            return (int) n;
        }
    }

    /**
     * A volume size, converted to KiB, the unit of the reference's {@code pvesm alloc} and of
     * {@link dev.volport.storage.Storage#alloc}. Accepted: a whole decimal number followed by at most one unit,
     * in any letter case: none, {@code K} or {@code KiB} (KiB, as the reference), {@code M}/{@code MiB},
     * {@code G}/{@code GiB}, {@code T}/{@code TiB} (powers of 1024), or {@code B} (bytes, which must then be a
     * whole number of KiB: volumes are allocated in KiB, and rounding up silently would make a volume larger
     * than asked). Refused with a message naming the value: an empty value, a sign, a fraction, the decimal
     * units {@code KB}/{@code MB}/{@code GB}/{@code TB} (ambiguous: older volport read them as powers of 1024),
     * any other unit, and a size of 2^63 bytes or more (what volport refuses everywhere).
     */
    static final class SizeKiB implements ITypeConverter<Long> {
        private static final java.util.regex.Pattern SIZE = java.util.regex.Pattern.compile("(\\d+)([a-zA-Z]*)");
        private static final String UNITS = "a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB";

        @Override
        public Long convert(String s) {
            var m = SIZE.matcher(s);
            if (!m.matches()) {
                throw new BadValue("invalid size '" + s + "': " + (s.isEmpty() ? "empty"
                        : s.startsWith("-") ? "negative" : s.matches("\\d*[.,]\\d.*") ? "not a whole number"
                        : "not a size") + " (" + UNITS + ")");
            }
            String unit = m.group(2).toLowerCase(Locale.ROOT);
            long bytesPerUnit = switch (unit) {
                case "b" -> 1;
                case "", "k", "kib" -> 1L << 10;
                case "m", "mib" -> 1L << 20;
                case "g", "gib" -> 1L << 30;
                case "t", "tib" -> 1L << 40;
                case "kb", "mb", "gb", "tb" -> throw new BadValue("invalid size '" + s + "': unit '" + m.group(2)
                        + "' is ambiguous (write " + unit.substring(0, 1).toUpperCase(Locale.ROOT) + " or "
                        + unit.substring(0, 1).toUpperCase(Locale.ROOT) + "iB for powers of 1024)");
                default -> throw new BadValue("invalid size '" + s + "': unknown unit '" + m.group(2) + "' ("
                        + UNITS + ")");
            };
            long bytes;
            try {
                bytes = Math.multiplyExact(Long.parseLong(m.group(1)), bytesPerUnit);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new BadValue("invalid size '" + s + "': 2^63 bytes or more");
            }
            if (bytes % 1024 != 0) {
                throw new BadValue("invalid size '" + s + "': not a whole number of KiB, the unit volumes are"
                        + " allocated in (the next whole size is " + (bytes / 1024 + 1) + "K)");
            }
            return bytes / 1024;
        }
    }

    /**
     * A value refused by one of these converters; its message names the value and says why, and is shown as it
     * stands (picocli's own conversion errors are shown with the option or parameter they concern).
     */
    static final class BadValue extends TypeConversionException {
        private static final long serialVersionUID = 1L;

        BadValue(String message) {
            super(message);
        }
    }
}
