package dev.volport.migrate;

import dev.volport.format.StreamFormat;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.BandwidthLimit;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a migration will do, settled before a byte moves ({@code volport migrate --dry-run} prints it).
 *
 * @param from              the volume on this host
 * @param to                the volume asked for on the target (with {@code allowRename} it may get another name)
 * @param host              the target host, or empty for this host
 * @param transport         how the stream travels
 * @param copy              false when nothing is copied: a shared storage migrated to itself
 * @param format            the stream format; empty when nothing is copied
 * @param notChosen         every other known format, with why it was not chosen, in the format list's order
 * @param options           the options of the export and the import (the import also gets
 *                          {@code --delete-snapshot} of the migration snapshot)
 * @param migrationSnapshot the snapshot taken on the source for the stream and removed afterwards, if any
 * @param limit             the bandwidth limit of the stream
 */
public record MigrationPlan(VolumeId from, VolumeId to, Optional<String> host, Transport transport, boolean copy,
        Optional<StreamFormat> format, Map<StreamFormat, String> notChosen, TransferOptions options,
        Optional<SnapshotName> migrationSnapshot, BandwidthLimit limit) {
    public MigrationPlan {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(format, "format");
        notChosen = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(notChosen));
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(migrationSnapshot, "migrationSnapshot");
        Objects.requireNonNull(limit, "limit");
    }

    /** The target as the user names it: {@code HOST:STORE:NAME} for another host. */
    public String target() {
        return host.map(h -> h + ":" + to).orElse(to.toString());
    }

    /** The plan in words, one fact per line, for {@code --dry-run}. */
    public List<String> describe() {
        List<String> lines = new ArrayList<>();
        lines.add("migrate " + from + " to " + target() + " over " + transport);
        if (!copy) {
            lines.add("no copy: '" + from.store() + "' is a shared storage, the volume is already there");
            return lines;
        }
        lines.add("format " + format.orElseThrow().wireName() + ": chosen");
        notChosen.forEach((f, why) -> lines.add("format " + f.wireName() + ": not chosen, " + why));
        lines.add("with-snapshots " + (options.withSnapshots() ? 1 : 0) + ", allow-rename "
                + (options.allowRename() ? 1 : 0) + options.snapshot().map(s -> ", snapshot " + s.value()).orElse("")
                + options.base().map(b -> ", base " + b.value()).orElse(""));
        lines.add(migrationSnapshot.map(s -> "migration snapshot " + s.value()
                + ": taken on the source before the export, removed afterwards").orElse("migration snapshot: none"));
        lines.add("bandwidth limit: " + (limit.unlimited() ? "none" : limit.bytesPerSecond() + " bytes per second"));
        return lines;
    }
}
