package dev.volport.storage.zfs;

import dev.volport.storage.StorageException;
import dev.volport.storage.VolumeInfo;
import dev.volport.volume.ContentType;
import dev.volport.volume.VolumeNameException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads the volumes of a pool from one {@code zfs get -Hp -r -d 1} ({@link ZfsCommands#listVolumes}): the datasets
 * and zvols directly below the pool whose names follow {@link ZfsVolumeName} (staging datasets and anything else
 * in the pool are not volumes), a clone's base taken from its {@code origin} as the reference does.
 */
final class ZfsListing {
    private ZfsListing() {
    }

    /** Every name directly below the pool, volumes and staging datasets alike, for choosing a free name. */
    static List<String> names(ZfsTool zfs) throws StorageException {
        return new ArrayList<>(properties(zfs).keySet());
    }

    /** Property maps by name below the pool (the pool itself excluded), in zfs's order. */
    static Map<String, Map<String, String>> properties(ZfsTool zfs) throws StorageException {
        String pool = zfs.commands().pool();
        var r = zfs.run(zfs.commands().listVolumes(), "cannot list the volumes of pool '" + pool + "'");
        Map<String, Map<String, String>> byName = new LinkedHashMap<>();
        for (String line : r.stdoutLines()) {
            String[] f = line.split("\t", 3);
            if (f.length != 3 || !f[0].startsWith(pool + "/") || f[0].indexOf('@') >= 0) {
                continue;
            }
            String name = f[0].substring(pool.length() + 1);
            if (name.indexOf('/') >= 0) {
                continue;
            }
            byName.computeIfAbsent(name, k -> new LinkedHashMap<>()).put(f[1], f[2]);
        }
        return byName;
    }

    static List<VolumeInfo> volumes(ZfsPoolStorage storage, OptionalInt vmid) throws IOException {
        return volumes(storage, properties(storage.zfs()), vmid);
    }

    /** The volumes in a listing {@link #properties} read. */
    static List<VolumeInfo> volumes(ZfsPoolStorage storage, Map<String, Map<String, String>> properties,
            OptionalInt vmid) throws IOException {
        String pool = storage.zfs().commands().pool();
        List<VolumeInfo> out = new ArrayList<>();
        for (var e : properties.entrySet()) {
            Map<String, String> p = e.getValue();
            Optional<String> base = origin(pool, p.getOrDefault("origin", "-"));
            ZfsVolumeName name;
            try {
                name = ZfsVolumeName.parse(base.map(b -> b + "/").orElse("") + e.getKey());
            } catch (VolumeNameException notAVolume) {
                try {
                    name = ZfsVolumeName.parse(e.getKey());
                } catch (VolumeNameException ignored) {
                    continue;
                }
            }
            boolean zvol = "volume".equals(p.get("type"));
            if (zvol == name.isDataset() || vmid.isPresent() && vmid.getAsInt() != name.guest()) {
                continue;
            }
            long size = zvol ? number(p.getOrDefault("volsize", "0")) : number(p.getOrDefault("refquota", "0"));
            out.add(new VolumeInfo(storage.id(name), name.isDataset() ? ContentType.ROOTDIR : ContentType.IMAGES,
                    name.format(), size, number(p.getOrDefault("used", "0")), OptionalInt.of(name.guest()),
                    name.base(), List.of(), Instant.ofEpochSecond(number(p.getOrDefault("creation", "0")))));
        }
        out.sort(Comparator.comparing(v -> v.volid().toString()));
        return out;
    }

    /** The base volume of a clone whose origin is {@code POOL/BASE@SNAP} in the same pool. */
    private static Optional<String> origin(String pool, String origin) {
        if (!origin.startsWith(pool + "/") || origin.indexOf('@') < 0) {
            return Optional.empty();
        }
        String base = origin.substring(pool.length() + 1, origin.indexOf('@'));
        return base.startsWith("base") && base.indexOf('/') < 0 ? Optional.of(base) : Optional.empty();
    }

    /** A number zfs printed with {@code -p}; {@code -} (not applicable) and {@code none} are 0. */
    static long number(String text) throws StorageException {
        if (text.equals("-") || text.equals("none")) {
            return 0;
        }
        try {
            return Long.parseLong(text.strip());
        } catch (NumberFormatException e) {
            throw new StorageException("zfs printed '" + text + "' where a number was expected");
        }
    }
}
