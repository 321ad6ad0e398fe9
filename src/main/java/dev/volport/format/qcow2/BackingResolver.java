package dev.volport.format.qcow2;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.Optional;

/**
 * Turns a backing file name found inside an image into an open file, or refuses it. Format code never opens a
 * path itself: the storage implements this and decides which names are allowed (volport allows only the
 * linked-clone form {@code ../VMID/base-VMID-disk-N.qcow2} inside the same storage, see
 * {@link Qcow2Validator#isLinkedCloneBase}).
 *
 * <p>A returned channel is handed over: the {@link Qcow2Image} that asked closes it.
 */
@FunctionalInterface
public interface BackingResolver {
    /** Refuses every backing file. */
    BackingResolver NONE = name -> Optional.empty();

    /**
     * @param backingFileName the name exactly as stored in the image (not resolved, not trusted)
     * @return an open, readable channel of that qcow2 file, or empty to refuse the name
     */
    Optional<FileChannel> resolve(String backingFileName) throws IOException;
}
