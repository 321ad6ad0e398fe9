package dev.volport.transfer;

import dev.volport.config.BwLimit;
import dev.volport.config.StorageSection;
import dev.volport.volume.StoreId;
import java.util.Collection;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The bandwidth limit of one transfer in KiB/s, 0 meaning unlimited, resolved by the reference's rules
 * ({@code get_bandwidth_limit}, {@code pve-storage.md} §3.4) from the storages' {@code bwlimit} properties, an
 * optional global limit and the caller's override.
 *
 * <p>The rules, for each storage involved (each counted once): its limit for the operation, else its
 * {@code default}; the result is the smallest of these and the override. When no storage is involved, or one of
 * them has no applicable limit, the global limit (the reference's {@code datacenter.cfg}) joins the minimum in
 * the same way. An override of 0 (the reference's "unlimited") does not lift a limit that applies: it only means
 * the caller adds none of its own.
 *
 * <p>Permissions: the reference lets users who may edit the limits ({@code Datastore.Allocate} on a storage,
 * {@code Sys.Modify} for the global limit) override them, even upwards and with 0. volport has no users or
 * permissions, and it cannot tell whether whoever runs it may edit {@code storage.cfg} (a user who can read the
 * file may still not be allowed to change it). It therefore treats every caller as an ordinary user: the limits
 * in {@code storage.cfg} are caps that an override can lower but never raise. Whoever wants a faster transfer
 * changes the configuration, which is what the permission stands for in the reference.
 *
 * <p>One deliberate difference: a storage limit of 0 means that storage sets no limit. The reference folds a 0
 * into its minimum as "no value yet", which makes the result depend on the order of the storages (a 0 seen last
 * lifts every limit seen before it); volport skips it, so the order never matters.
 *
 * @param kibPerSecond the limit in KiB/s; 0 when unlimited
 */
public record BandwidthLimit(long kibPerSecond) {
    /** No limit. */
    public static final BandwidthLimit UNLIMITED = new BandwidthLimit(0);

    /** The operations a {@code bwlimit} property names; each falls back to {@code default}. */
    public enum Operation {
        MIGRATION, MOVE, CLONE, RESTORE;

        /** The key in a {@code bwlimit} property. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** This operation's limit in {@code limits}, else its {@code default}; empty when neither is set. */
        OptionalLong in(BwLimit limits) {
            OptionalLong own = switch (this) {
                case MIGRATION -> limits.migration();
                case MOVE -> limits.move();
                case CLONE -> limits.cloneKiBps();
                case RESTORE -> limits.restore();
            };
            return own.isPresent() ? own : limits.defaultKiBps();
        }
    }

    public BandwidthLimit {
        if (kibPerSecond < 0 || kibPerSecond > BwLimit.MAX_KIBPS) {
            throw new IllegalArgumentException("bandwidth limit must be in [0, " + BwLimit.MAX_KIBPS + "] KiB/s, got "
                    + kibPerSecond);
        }
    }

    /**
     * Resolves the limit of {@code operation} between {@code storages}.
     *
     * @param storages the storages involved (source and target); a storage listed twice counts once
     * @param override the caller's limit in KiB/s ({@code --bwlimit}); absent or 0 when it sets none
     * @param global   the limit that applies when a storage sets none, or none is involved; volport has no
     *                 cluster-wide configuration, so callers pass empty today
     */
    public static BandwidthLimit resolve(Operation operation, Collection<StorageSection> storages,
            OptionalLong override, Optional<BwLimit> global) {
        long limit = override.orElse(0);
        if (limit < 0 || limit > BwLimit.MAX_KIBPS) {
            throw new IllegalArgumentException("bandwidth limit must be in [0, " + BwLimit.MAX_KIBPS + "] KiB/s, got "
                    + limit);
        }
        boolean useGlobal = storages.isEmpty();
        Set<StoreId> seen = new HashSet<>();
        for (StorageSection s : storages) {
            if (!seen.add(s.id())) {
                continue;
            }
            OptionalLong own = s.bwlimit().map(operation::in).orElse(OptionalLong.empty());
            if (own.isEmpty()) {
                useGlobal = true;
            } else {
                limit = lower(limit, own.getAsLong());
            }
        }
        if (useGlobal && global.isPresent()) {
            OptionalLong g = operation.in(global.get());
            if (g.isPresent()) {
                limit = lower(limit, g.getAsLong());
            }
        }
        return new BandwidthLimit(limit);
    }

    /** The tighter of two limits where 0 is no limit. */
    private static long lower(long current, long limit) {
        if (limit == 0) {
            return current;
        }
        return current == 0 ? limit : Math.min(current, limit);
    }

    public boolean unlimited() {
        return kibPerSecond == 0;
    }

    /** The limit in bytes per second, as the rate limiter takes it (the reference's {@code bwlimit * 1024}). */
    public long bytesPerSecond() {
        return kibPerSecond * 1024;
    }

    @Override
    public String toString() {
        return unlimited() ? "unlimited" : kibPerSecond + " KiB/s";
    }
}
