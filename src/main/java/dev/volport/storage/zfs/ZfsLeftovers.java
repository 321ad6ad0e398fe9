package dev.volport.storage.zfs;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds and removes the staging datasets of killed imports ({@code volport-import-HEX-NAME} directly below the
 * pool, see {@link ZfsImport}) whose lock is free ({@link ZfsLocks#abandoned}). Run under the storage lock by every
 * import and alloc. Only datasets with volport's staging prefix are ever touched; one that cannot be destroyed (busy)
 * is reported and left for the next time. On a {@code shared} storage nothing is removed: a staging dataset there is
 * reported once per operation with the command that removes it, since another host's import may own it.
 */
final class ZfsLeftovers {
    private ZfsLeftovers() {
    }

    /**
     * The names taken below the pool, read under the storage lock: the datasets and zvols that exist, and the
     * staging names of the imports running on this host.
     */
    record Taken(java.util.List<String> names, java.util.List<String> importing) {
        /** Whether {@code name} exists or an import in progress will rename its staging dataset to it. */
        boolean contains(String name) {
            int skip = ZfsImport.STAGING_PREFIX.length() + 17;
            return names.contains(name)
                    || importing.stream().anyMatch(s -> s.length() > skip && s.substring(skip).equals(name));
        }

        /** Both lists in one, for choosing a free name. */
        java.util.List<String> all() {
            java.util.List<String> all = new java.util.ArrayList<>(names);
            all.addAll(importing);
            return all;
        }
    }

    /**
     * Removes the leftovers; returns what it read first (leftovers included), which the caller, under the same lock,
     * may use to check a name or choose a free one without listing again.
     *
     * <p>The running imports are read before the listing: an import commits (renames its staging dataset) without
     * the storage lock and releases its staging lock only afterwards, so an import seen neither running nor finished
     * cannot happen in this order, while the other order could miss one that finished between the two reads.
     */
    static Taken remove(ZfsPoolStorage storage) throws IOException {
        ZfsTool zfs = storage.zfs();
        java.util.List<String> importing = storage.locks().inProgress();
        java.util.List<String> names = ZfsListing.names(zfs);
        removeStaleLocks(storage, new java.util.HashSet<>(names));
        for (String name : names) {
            if (!ZfsImport.isStaging(name)) {
                continue;
            }
            String dataset = zfs.commands().dataset(name);
            Optional<ZfsLocks.Held> free = storage.locks().abandoned(name);
            if (free.isEmpty()) {
                if (storage.locks().shared()) {
                    storage.env().warnings().println("volport: '" + dataset + "' is the staging dataset of an import"
                            + " on this shared storage, perhaps of another host; if none runs, remove it with"
                            + " 'zfs destroy -r " + dataset + "'");
                }
                continue;
            }
            try (ZfsLocks.Held lock = free.get()) {
                zfs.runBusy(zfs.commands().destroy(name, true), "cannot remove '" + dataset + "'");
                storage.env().warnings().println("volport: removed '" + dataset + "', left by an interrupted import");
            } catch (IOException e) {
                storage.env().warnings().println("volport: " + e.getMessage() + ", left by an interrupted import");
            }
        }
        return new Taken(names, importing);
    }

    /**
     * Removes the lock files of killed imports whose staging dataset is gone (a cut {@code zfs recv} destroys what
     * it received); left, they would make the target name look busy to every later import.
     */
    static void removeStaleLocks(ZfsPoolStorage storage, java.util.Set<String> datasets) throws IOException {
        for (String name : storage.locks().lockFiles()) {
            if (!datasets.contains(name)) {
                Optional<ZfsLocks.Held> free = storage.locks().abandoned(name);
                if (free.isPresent()) {
                    free.get().close();
                }
            }
        }
    }

}
