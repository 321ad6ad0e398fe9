package dev.volport.format.sparse;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.volport.format.ZstdLibrary;
import dev.volport.format.Compression;
import dev.volport.io.ChannelIo;
import dev.volport.io.ContentDigest;
import dev.volport.io.ExactLengthSink;
import dev.volport.io.ExtentException;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.ZeroBlocks;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Writes the events it receives as {@code raw+sparse} records ({@link SparseFormat}) and, at {@link #finish}, the end
 * record with the record count and the content digest. Nothing seeks on the output, so it may be a pipe.
 *
 * <p>Zero runs become zero records (consecutive ones merged into one, whatever their length). Bytes and host ranges
 * are checked in {@value #BLOCK}-byte blocks aligned to the image's offsets: all-zero blocks join the zero runs, so a
 * fully allocated raw file of zeros still travels as one zero record; the other blocks are gathered into data records
 * of at most {@link SparseFormat#MAX_DATA} bytes. With compression, each data record is compressed with zstd on its
 * own and sent compressed only where that is shorter. {@code progress} advances by image bytes, as they are encoded.
 */
public final class SparseEncoder implements ExtentSink {
    /** Granularity of zero detection inside data: the usual filesystem block. */
    public static final int BLOCK = 4096;
    private static final int READ = 1 << 20;
    /**
     * Records are gathered into a buffer of this size and written when the next one does not fit (and at the end); a
     * payload larger than half of it goes out on its own right behind what is gathered. Without it a sparse image's
     * zero records and data headers were writes of 32 bytes each, each a wakeup of the process reading the pipe,
     * which for ssh is a packet of its own through the cipher, the socket, sshd and the receiver's pipe.
     */
    static final int WIRE_BUFFER = 1 << 20;

    private final WritableByteChannel out;
    private final Progress progress;
    private final String what;
    private final ContentDigest digest = new ContentDigest();
    private final ByteBuffer pend = ByteBuffer.allocateDirect(SparseFormat.MAX_DATA);
    private final ByteBuffer header = ByteBuffer.allocateDirect(SparseFormat.RECORD_BYTES)
            .order(ByteOrder.LITTLE_ENDIAN);
    private final byte[] headerBytes = new byte[SparseFormat.RECORD_BYTES];
    private final ByteBuffer wireBuffer = ByteBuffer.allocateDirect(WIRE_BUFFER);
    private final ZstdCompressCtx zstd;
    private final ByteBuffer packed;
    private ByteBuffer read;
    private long pos;
    private long pendStart;
    private long zeroStart;
    private long zeroLength;
    private long records;
    private long wire = SparseFormat.HEADER_BYTES;

    /**
     * An encoder of the records only; the stream header is {@link SparseFormat#writeHeader}'s (see {@link #stream}).
     *
     * @param what the image being encoded, for messages
     */
    public SparseEncoder(WritableByteChannel out, Compression compression, Progress progress, String what)
            throws IOException {
        this.out = out;
        this.progress = progress;
        this.what = what;
        if (compression.enabled()) {
            zstd = ZstdLibrary.compressor(compression.zstdLevel());
            packed = ByteBuffer.allocateDirect((int) Zstd.compressBound(SparseFormat.MAX_DATA));
        } else {
            zstd = null;
            packed = null;
        }
    }

    /**
     * Writes the stream header for {@code size} and returns the sink for the records, held to exactly {@code size}
     * bytes (an {@link ExactLengthSink}), so a reader that emits more or fewer fails instead of sending a stream
     * whose trailer lies.
     */
    public static ExactLengthSink stream(WritableByteChannel out, long size, Compression compression,
            Progress progress, String what) throws IOException {
        SparseFormat.writeHeader(out, size);
        return new ExactLengthSink(new SparseEncoder(out, compression, progress, what), size, what);
    }

    /** Bytes encoded so far, the stream header included (the last up to {@value #WIRE_BUFFER} may be buffered). */
    public long wireBytes() {
        return wire;
    }

    @Override
    public void data(FileChannel file, long offset, long length) throws IOException {
        if (read == null) {
            read = ByteBuffer.allocateDirect(READ);
        }
        long done = 0;
        while (done < length) {
            read.clear().limit((int) Math.min(READ, length - done));
            while (read.hasRemaining()) {
                if (file.read(read, offset + done + read.position()) < 0) {
                    throw new ExtentException(what + ": its file ends at byte " + file.size() + ", inside a data"
                            + " range that should run to byte " + (offset + length)
                            + " (did the file shrink while being read?)");
                }
            }
            read.flip();
            done += read.remaining();
            bytes(read);
        }
    }

    @Override
    public void bytes(ByteBuffer buf) throws IOException {
        if (!buf.hasRemaining()) {
            return;
        }
        digest.bytes(buf.duplicate());
        MemorySegment seg = MemorySegment.ofBuffer(buf);
        int base = buf.position();
        int end = buf.limit();
        int at = base;
        while (at < end) {
            // a run of blocks of one kind, cut at block boundaries of the image
            int first = (int) Math.min(end - at, BLOCK - Math.floorMod(pos, BLOCK));
            boolean zero = ZeroBlocks.isZero(seg, at - base, first);
            int run = first;
            int room = zero ? Integer.MAX_VALUE : pend.remaining();
            while (at + run < end && run < room) {
                int next = Math.min(BLOCK, end - at - run);
                if (ZeroBlocks.isZero(seg, at - base + run, next) != zero) {
                    break;
                }
                run += next;
            }
            if (zero) {
                addZeros(run);
            } else {
                run = Math.min(run, pend.remaining());
                flushZeros();
                if (pend.position() == 0) {
                    pendStart = pos;
                }
                pend.put(buf.duplicate().limit(at + run).position(at));
                pos += run;
                if (!pend.hasRemaining()) {
                    flushData();
                }
            }
            at += run;
            progress.advance(run);
        }
        buf.position(end);
    }

    @Override
    public void zeros(long length) throws IOException {
        if (length == 0) {
            return;
        }
        digest.zeros(length);
        addZeros(length);
        progress.advance(length);
    }

    /** Writes what is pending, then the end record with the count of records before it and the content digest. */
    @Override
    public void finish() throws IOException {
        try {
            flushData();
            flushZeros();
            digest.finish();
            ByteBuffer payload = ByteBuffer.allocateDirect(SparseFormat.END_PAYLOAD).order(ByteOrder.LITTLE_ENDIAN);
            payload.putLong(records).put(digest.value()).flip();
            writeRecord(SparseFormat.END, pos, 0, payload);
            drain();
        } finally {
            if (zstd != null) {
                zstd.close();
            }
        }
    }

    private void addZeros(long length) throws IOException {
        flushData();
        if (zeroLength == 0) {
            zeroStart = pos;
        }
        zeroLength += length;
        pos += length;
    }

    private void flushZeros() throws IOException {
        if (zeroLength > 0) {
            writeRecord(SparseFormat.ZERO, zeroStart, zeroLength, null);
            records++;
            zeroLength = 0;
        }
    }

    private void flushData() throws IOException {
        int length = pend.position();
        if (length == 0) {
            return;
        }
        pend.flip();
        ByteBuffer payload = pend;
        byte type = SparseFormat.DATA;
        if (zstd != null) {
            int n;
            try {
                packed.clear();
                n = zstd.compressDirectByteBuffer(packed, 0, packed.capacity(), pend, 0, length);
            } catch (ZstdException e) {
                throw new IOException(what + ": zstd compression failed: " + e.getMessage(), e);
            }
            if (n < length) {
                payload = packed.clear().limit(n);
                type = SparseFormat.COMPRESSED;
            }
        }
        writeRecord(type, pendStart, length, payload);
        records++;
        pend.clear();
    }

    private void writeRecord(byte type, long offset, long length, ByteBuffer payload) throws IOException {
        int stored = payload == null ? 0 : payload.remaining();
        header.clear();
        header.put(type).put((byte) 0).putShort((short) 0).putInt(stored).putLong(offset).putLong(length)
                .putInt(payload == null ? 0 : SparseFormat.crc(payload));
        header.flip().get(headerBytes, 0, 28);
        header.limit(SparseFormat.RECORD_BYTES).position(28);
        header.putInt(SparseFormat.crc(headerBytes, 0, 28)).flip();
        boolean large = stored > WIRE_BUFFER / 2;
        if (wireBuffer.remaining() < SparseFormat.RECORD_BYTES + (large ? 0 : stored)) {
            drain();
        }
        wireBuffer.put(header);
        if (payload != null) {
            if (!large) {
                wireBuffer.put(payload);
            } else {
                wireBuffer.flip();
                if (out instanceof GatheringByteChannel g) {
                    ByteBuffer[] both = {wireBuffer, payload};
                    while (payload.hasRemaining()) {
                        g.write(both);
                    }
                } else {
                    ChannelIo.writeFully(out, wireBuffer);
                    ChannelIo.writeFully(out, payload);
                }
                wireBuffer.clear();
            }
        }
        wire += SparseFormat.RECORD_BYTES + stored;
    }

    /** Writes the records gathered in the buffer. */
    private void drain() throws IOException {
        wireBuffer.flip();
        ChannelIo.writeFully(out, wireBuffer);
        wireBuffer.clear();
    }
}
