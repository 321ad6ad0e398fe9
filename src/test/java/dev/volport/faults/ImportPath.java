package dev.volport.faults;

import java.nio.file.Path;

/**
 * One way into a storage for the fault suite: a stream of {@code format} exported from {@code source} and imported as
 * {@code target}. {@code volumePath} is where the target volume appears when it is visible (a file, a directory, a
 * btrfs subvolume or a zfs dataset's mountpoint); {@code image} says whether its content is compared by {@code volport
 * checksum} (disk images) or by a fidelity dump of the tree (container volumes). {@code exportArgs}/{@code importArgs}
 * are the pvesm-style options each side needs (snapshots for the zfs and btrfs streams).
 */
record ImportPath(String name, Kind kind, String format, String source, String target, Path volumePath,
                  boolean image, String exportArgs, String importArgs) {
    /** The storage type of the target, which decides how leftovers are found and which commands can be faulted. */
    enum Kind { DIR, BTRFS, ZFS }

    String storageId() {
        return target.substring(0, target.indexOf(':'));
    }

    @Override
    public String toString() {
        return name;
    }
}
