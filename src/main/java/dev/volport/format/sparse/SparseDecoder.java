package dev.volport.format.sparse;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.volport.format.ZstdLibrary;
import dev.volport.format.FormatException;
import dev.volport.io.ChannelIo;
import dev.volport.io.ContentDigest;
import dev.volport.io.ExtentSink;
import dev.volport.io.Progress;
import dev.volport.io.ReadAheadChannel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Reads the records of a {@code raw+sparse} stream (after its header, {@link SparseFormat#readHeader}) and emits the
 * image into a sink, trusting nothing it reads. Each record header must carry a good CRC32C, a known type, zero
 * reserved bytes, the offset where the previous record ended (so records are ordered, contiguous and never overlap),
 * a length that is not zero and stays inside the virtual size, and a payload within {@link SparseFormat#MAX_DATA};
 * the payload's CRC32C is checked before any of it reaches the sink; a compressed payload must inflate to exactly
 * its record's length into a buffer of that length (a zstd bomb fails when the buffer is full, never allocates).
 * The end record must come at the virtual size, count the records before it, and carry the digest of what was
 * received; then the stream must end. Only then is the sink finished, so an importer commits nothing unverified.
 *
 * <p>Memory: two buffers of {@link SparseFormat#MAX_DATA} bytes, a read-ahead of {@value #READ_AHEAD} bytes and the
 * digest's few MiB, whatever the stream says.
 * Every failure is a {@link FormatException} naming the record, its stream offset and what is wrong.
 */
public final class SparseDecoder {
    /** The stream is read in pieces of up to this many bytes, whatever the records' sizes. */
    static final int READ_AHEAD = 1 << 20;
    private final ByteBuffer head = ByteBuffer.allocate(SparseFormat.RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    private final ByteBuffer payload = ByteBuffer.allocateDirect(SparseFormat.MAX_DATA);
    private ByteBuffer inflated;
    private ZstdDecompressCtx zstd;
    private final ContentDigest.Version digestVersion;

    /** A decoder of the streams volport writes (the end record carries the {@link ContentDigest#CURRENT} digest). */
    public SparseDecoder() {
        this(ContentDigest.CURRENT);
    }

    /** A decoder of streams whose end record carries a digest of {@code digestVersion} (what the header says). */
    public SparseDecoder(ContentDigest.Version digestVersion) {
        this.digestVersion = digestVersion;
    }

    /**
     * Reads records from {@code source} up to and including the end record, checks that the stream ends there, emits
     * the image of {@code size} bytes into {@code sink} and finishes it. {@code progress} advances by image bytes.
     *
     * @return the content digest, verified against the stream's
     * @throws FormatException for anything the stream gets wrong; the sink is then not finished
     */
    public byte[] read(ReadableByteChannel source, long size, ExtentSink sink, Progress progress)
            throws IOException {
        ReadableByteChannel in = new ReadAheadChannel(source, READ_AHEAD);
        ContentDigest digest = new ContentDigest(digestVersion);
        long pos = 0;
        long records = 0;
        long wire = SparseFormat.HEADER_BYTES;
        try {
            while (true) {
                head.clear();
                int got = ChannelIo.readFully(in, head);
                if (got < SparseFormat.RECORD_BYTES) {
                    throw new FormatException("raw+sparse stream ended at byte " + (wire + got) + ", after "
                            + records + " records and " + pos + " of " + size + " image bytes, without its end"
                            + " record (truncated)");
                }
                String rec = "raw+sparse record " + (records + 1) + " at stream byte " + wire;
                byte[] h = head.array();
                if (SparseFormat.crc(h, 0, 28) != head.getInt(28)) {
                    throw new FormatException(rec + " is corrupt: its header's CRC32C does not match");
                }
                byte type = head.get(0);
                int stored = head.getInt(4);
                long offset = head.getLong(8);
                long length = head.getLong(16);
                int crc = head.getInt(24);
                if (h[1] != 0 || h[2] != 0 || h[3] != 0) {
                    throw new FormatException(rec + ": reserved bytes are not 0");
                }
                if (type != SparseFormat.DATA && type != SparseFormat.COMPRESSED && type != SparseFormat.ZERO
                        && type != SparseFormat.END) {
                    throw new FormatException(rec + String.format(" has an unknown type (0x%02x)", type & 0xff));
                }
                rec += " (" + SparseFormat.typeName(type) + ")";
                if (offset != pos) {
                    throw new FormatException(rec + " starts at image offset " + Long.toUnsignedString(offset)
                            + " but the previous records end at " + pos + (Long.compareUnsigned(offset, pos) < 0
                            ? " (it overlaps them, or is out of order)" : " (it leaves a gap)"));
                }
                wire += SparseFormat.RECORD_BYTES;
                if (type == SparseFormat.END) {
                    checkEnd(in, rec, stored, length, crc, size, records, digest, wire);
                    sink.finish();
                    return digest.value();
                }
                if (length == 0) {
                    throw new FormatException(rec + " has length 0");
                }
                if (Long.compareUnsigned(length, size - pos) > 0) {
                    throw new FormatException(rec + " of " + Long.toUnsignedString(length) + " bytes at offset "
                            + pos + " runs past the virtual size " + size);
                }
                switch (type) {
                    case SparseFormat.ZERO -> {
                        if (stored != 0 || crc != 0) {
                            throw new FormatException(rec + " carries a payload of " + Integer.toUnsignedString(stored)
                                    + " bytes; zero records carry none");
                        }
                        digest.zeros(length);
                        sink.zeros(length);
                    }
                    case SparseFormat.DATA, SparseFormat.COMPRESSED -> {
                        boolean packed = type == SparseFormat.COMPRESSED;
                        if (length > SparseFormat.MAX_DATA) {
                            throw new FormatException(rec + " of " + length + " bytes is longer than the "
                                    + SparseFormat.MAX_DATA + " a data record may carry");
                        }
                        if (packed ? stored <= 0 || stored >= length : stored != length) {
                            throw new FormatException(rec + " stores " + Integer.toUnsignedString(stored)
                                    + " bytes for " + length + " image bytes (" + (packed
                                    ? "compressed records must be shorter than their data"
                                    : "data records store exactly their length") + ")");
                        }
                        readPayload(in, stored, rec, crc, wire);
                        wire += stored;
                        ByteBuffer data = packed ? inflate((int) length, rec) : payload;
                        digest.bytes(data.duplicate());
                        sink.bytes(data);
                    }
                    default -> throw new AssertionError("type checked above");
                }
                pos += length;
                records++;
                progress.advance(length);
            }
        } finally {
            if (zstd != null) {
                zstd.close();
                zstd = null;
            }
        }
    }

    private void readPayload(ReadableByteChannel in, int stored, String rec, int crc, long wire)
            throws IOException {
        payload.clear().limit(stored);
        int got = ChannelIo.readFully(in, payload);
        if (got < stored) {
            throw new FormatException(rec + ": the stream ended at byte " + (wire + got) + ", inside its payload of "
                    + stored + " bytes (truncated)");
        }
        payload.flip();
        if (SparseFormat.crc(payload) != crc) {
            throw new FormatException(rec + " is corrupt: its payload's CRC32C does not match");
        }
    }

    /** Inflates the payload into a buffer of exactly {@code length} bytes; more or fewer is an error. */
    private ByteBuffer inflate(int length, String rec) throws IOException {
        if (inflated == null) {
            inflated = ByteBuffer.allocateDirect(SparseFormat.MAX_DATA);
        }
        if (zstd == null) {
            zstd = ZstdLibrary.decompressor();
        }
        int n;
        inflated.clear();
        try {
            n = zstd.decompressDirectByteBuffer(inflated, 0, length, payload, 0, payload.limit());
        } catch (ZstdException e) {
            throw new FormatException(rec + ": its zstd data does not inflate to its " + length + " bytes ("
                    + e.getMessage() + ")");
        }
        if (n != length) {
            throw new FormatException(rec + ": its zstd data inflates to " + n + " bytes instead of " + length);
        }
        return inflated.clear().limit(length);
    }

    private void checkEnd(ReadableByteChannel in, String rec, int stored, long length, int crc, long size,
            long records, ContentDigest digest, long wire) throws IOException {
        if (length != 0 || stored != SparseFormat.END_PAYLOAD) {
            throw new FormatException(rec + " must have length 0 and a payload of " + SparseFormat.END_PAYLOAD
                    + " bytes (has " + Long.toUnsignedString(length) + " and " + Integer.toUnsignedString(stored)
                    + ")");
        }
        if (digest.size() != size) {
            throw new FormatException(rec + " comes at image offset " + digest.size() + ", before the virtual size "
                    + size);
        }
        readPayload(in, stored, rec, crc, wire);
        ByteBuffer p = payload.order(ByteOrder.LITTLE_ENDIAN);
        long count = p.getLong(0);
        if (count != records) {
            throw new FormatException(rec + " counts " + Long.toUnsignedString(count) + " records, but "
                    + records + " came before it");
        }
        byte[] sent = new byte[32];
        p.get(8, sent);
        digest.finish();
        if (!Arrays.equals(sent, digest.value())) {
            throw new FormatException("raw+sparse content digest mismatch: the stream announces "
                    + HexFormat.of().formatHex(sent) + ", the data received has " + digest.hex());
        }
        ByteBuffer one = ByteBuffer.allocate(1);
        if (ChannelIo.readFully(in, one) > 0) {
            throw new FormatException("raw+sparse stream goes on after its end record (at byte "
                    + (wire + stored) + ")");
        }
    }
}
