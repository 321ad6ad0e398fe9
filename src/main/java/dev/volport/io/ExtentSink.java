package dev.volport.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Receives a raw disk image as an ordered run of extents: ranges of a host file, bytes from memory, and runs known
 * to read as zeros. Image readers (raw files by {@code SEEK_DATA}/{@code SEEK_HOLE}, qcow2, VMDK, a {@code raw+size}
 * stream) emit into it; encoders and writers ({@code raw+size} on the wire, a sparse raw file, a qcow2 or VMDK file,
 * later digests) consume it. Keeping the three kinds apart lets a consumer use what each one allows: a host range
 * can go out by {@code sendfile} without entering the heap, a zero run costs neither a read nor a compare.
 *
 * <p>The contract, for producers and sinks alike:
 * <ul>
 *   <li>Events are ordered and contiguous: the first starts at logical offset 0 and each one starts where the
 *       previous one ended, so a sink knows every event's offset by counting. There are no gaps and no overlaps.
 *   <li>After the last event the producer calls {@link #finish} once, while every file it named in {@link #data}
 *       is still open; the events' lengths then add up to the image's size (the virtual size of a qcow2 or VMDK
 *       image, the size header of a stream). Sinks that know that size check it ({@link ExactLengthSink}). After an
 *       exception from the sink, the producer makes no further call.
 *   <li>Zero-length events are allowed and change nothing.
 *   <li>A sink may assume nothing about how the image was cut into events: the same bytes may come as one event
 *       or as a thousand, and a run of zeros may also come as {@link #bytes} or {@link #data} that happen to hold
 *       zeros. Only {@link #zeros} promises zeros.
 * </ul>
 *
 * <p>Not thread-safe: one producer calls a sink from one thread.
 */
public interface ExtentSink {
    /**
     * The next {@code length} bytes of the image are bytes {@code [offset, offset + length)} of {@code file}. The
     * producer has checked that the range lies inside the file as it knows it; a file that has since shrunk is the
     * sink's error to report when it reads the range. The sink may read the range before or after this call
     * returns, until {@link #finish}, and must not change the channel's position (it uses positional reads and
     * transfers only); the channel stays the producer's, which closes it only after {@code finish}.
     *
     * @throws IOException when the sink cannot take the range (the output failed, the file ended early, the image
     *     would grow past its size)
     */
    void data(FileChannel file, long offset, long length) throws IOException;

    /**
     * The next {@code buf.remaining()} bytes of the image are those between the buffer's position and its limit.
     * The sink reads them before it returns and keeps no reference to the buffer, so the caller may refill it at
     * once; it never writes into the buffer. On return the buffer's position is at its limit (the bytes are
     * consumed, as {@link java.nio.channels.WritableByteChannel#write} leaves a buffer), the limit unchanged.
     *
     * @throws IOException as {@link #data}
     */
    void bytes(ByteBuffer buf) throws IOException;

    /**
     * The next {@code length} bytes of the image read as zeros (a hole, an unallocated cluster or grain, a zero
     * block found in a stream). Sinks may merge consecutive zero runs and write them late.
     *
     * @throws IOException as {@link #data}
     */
    void zeros(long length) throws IOException;

    /**
     * No more events follow: writes whatever the sink still holds back and checks the total where the sink knows
     * what it should be. The output is complete only when this returns.
     *
     * @throws IOException when the output fails, or the total is not what the sink was told to expect
     */
    void finish() throws IOException;
}
