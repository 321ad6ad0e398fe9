package dev.volport.format.vmdk;

import java.util.Optional;

/** The single-file VMDK kinds volport reads and writes, by their descriptor {@code createType}. */
public enum Subformat {
    /** One hosted sparse extent with the descriptor embedded; what {@code qemu-img create -f vmdk} makes. */
    MONOLITHIC_SPARSE("monolithicSparse"),
    /** One sparse extent of zlib-compressed grains with markers, descriptor embedded. */
    STREAM_OPTIMIZED("streamOptimized");

    private final String createType;

    Subformat(String createType) {
        this.createType = createType;
    }

    /** The descriptor's {@code createType} value. */
    public String createType() {
        return createType;
    }

    /** The subformat with this {@code createType} (case-sensitive, as VMware writes it). */
    public static Optional<Subformat> byCreateType(String createType) {
        for (Subformat s : values()) {
            if (s.createType.equals(createType)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return createType;
    }
}
