package dev.volport.storage;

import dev.volport.volume.VolumeId;
import java.io.IOException;

/**
 * A storage's answer to an import request it has validated without reading a byte of the stream
 * ({@link Storage#prepareImport}): where and how the stream lands. The import transaction reads the stream's framing,
 * then calls {@link #stage} once.
 */
public interface ImportTarget {
    /** The volume that was asked for (the final one may differ with {@code allow-rename}); names it in messages. */
    VolumeId requested();

    /** How the stream's bytes become the volume. */
    Landing landing();

    /**
     * Refuses, still before a byte is read, a target volume that exists when renaming is not allowed (as the
     * reference does); decided for good by {@link #stage} under the storage's lock.
     *
     * @throws StorageException naming the existing volume
     */
    void checkAvailable() throws IOException;

    /**
     * Chooses the final name under the storage's lock (the requested one, or with {@code allow-rename} the next free
     * one, counting other imports in progress), removes crash leftovers, and creates the staging object holding the
     * lock that marks it as being written. Call once.
     *
     * @param declaredSize the size header of the stream (0 when the format has none or the size is unknown)
     * @throws StorageException when the name is taken and renaming is not allowed, or the storage cannot be written
     */
    StagingObject stage(long declaredSize) throws IOException;
}
