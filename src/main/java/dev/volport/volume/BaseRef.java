package dev.volport.volume;

import java.util.Objects;

/**
 * The base image a linked clone is backed by: {@code BASEVMID/BASENAME} in the clone's volume name
 * {@code BASEVMID/BASENAME/VMID/NAME} ({@code pve-storage.md} §4.3).
 *
 * @param vmid     the guest that owns the base image, {@code >= 0}
 * @param fileName the base image's file name, e.g. {@code base-100-disk-0.qcow2}; no {@code /}
 * @throws IllegalArgumentException from the constructor if {@code vmid < 0} or {@code fileName} is empty or has a
 *         {@code /}
 */
public record BaseRef(int vmid, String fileName) {
    public BaseRef {
        Objects.requireNonNull(fileName, "fileName");
        if (vmid < 0) {
            throw new IllegalArgumentException("base vmid must be >= 0, got " + vmid);
        }
        if (fileName.isEmpty() || fileName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("invalid base file name '" + Names.excerpt(fileName) + "'");
        }
    }
}
