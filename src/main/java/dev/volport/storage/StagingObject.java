package dev.volport.storage;

import dev.volport.io.DirectOutput;
import dev.volport.io.WritebackHint;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What an import writes before it becomes a volume: a file, a directory or a sink, under a name listings ignore,
 * with a lock held for as long as its importer lives, so that the next operation on the storage recognises a crash
 * leftover by the free lock (never by a process id). Write access matches the {@link Landing.Kind} of its target;
 * the other accessors fail.
 *
 * <p>Life: write, {@link #makeDurable()}, {@link #commit()} (no-replace), {@link #discard()}; {@link #close()} is
 * {@code discard()}. {@code discard} after a commit only releases the lock; before, it removes the object. It may be
 * called from a signal handler's thread while another thread writes.
 */
public interface StagingObject extends AutoCloseable {
    /** The object as a user would find it, e.g. its path; for messages. */
    String where();

    /** A read-write channel on the staging file ({@link Landing.Kind#FILE}); closed by commit or discard. */
    default FileChannel channel() throws IOException {
        throw new IllegalStateException("the staging object " + where() + " is not a file");
    }

    /** Sets the staging file's length, growing it sparsely. */
    default void setLength(long length) throws IOException {
        throw new IllegalStateException("the staging object " + where() + " is not a file");
    }

    /** Where written ranges of the staging file are reported so that their writeback starts early. */
    default WritebackHint writeback() {
        return WritebackHint.NONE;
    }

    /**
     * Writes into the staging file that bypass the page cache ({@link DirectOutput}), where the storage takes them
     * for this file; empty by default. Opened on first use, closed with the file.
     */
    default Optional<DirectOutput> directOutput() throws IOException {
        return Optional.empty();
    }

    /**
     * Makes the staging file ({@link Landing.Kind#FILE}) a clone of {@code file} sharing its blocks, where the
     * filesystem can; false, and nothing changed, where it cannot. By default false.
     */
    default boolean cloneFrom(Path file) throws IOException {
        return false;
    }

    /** The staging directory ({@link Landing.Kind#TREE}). */
    default Path directory() {
        throw new IllegalStateException("the staging object " + where() + " is not a directory");
    }

    /**
     * For a {@link Landing.Kind#SINK}: offered the stream's source before anything is copied into {@link #sink()}.
     * A staging object whose tool can read {@code in} itself (volport's own stdin, handed to the child process)
     * starts it so and returns true; {@link #makeDurable()} then waits until it has read the whole stream. By
     * default false: the transaction copies the stream into {@link #sink()}.
     */
    default boolean readsDirectly(java.nio.channels.ReadableByteChannel in) throws IOException {
        return false;
    }

    /** The byte sink ({@link Landing.Kind#SINK}). */
    default WritableByteChannel sink() throws IOException {
        throw new IllegalStateException("the staging object " + where() + " is not a sink");
    }

    /** Flushes what was written to stable storage (the data; the name is made durable by {@link #commit}). */
    void makeDurable() throws IOException;

    /**
     * Gives the object its final name without replacing anything, and makes the new name durable.
     *
     * @return the volume that now exists
     * @throws StorageException when the final name was taken meanwhile (the object stays for {@link #discard})
     */
    VolumeId commit() throws IOException;

    /** Removes the object unless committed, then releases its lock. Idempotent. */
    void discard() throws IOException;

    @Override
    default void close() throws IOException {
        discard();
    }
}
