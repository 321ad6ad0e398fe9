package dev.volport.format.qcow2;

import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.volport.format.ZstdLibrary;
import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Decodes one compressed cluster (qcow2.txt "Compressed Clusters Descriptor"; image-formats.md A.8): raw deflate
 * (RFC 1951, no zlib wrapper) or a zstd frame. Output is capped at one cluster, so a stream that would expand
 * further (a decompression bomb) costs at most one cluster of memory and time; output shorter than one cluster
 * is an error. Not thread-safe; {@link #close} frees the native zstd context.
 */
final class Decompressor implements AutoCloseable {
    private final int compressionType;
    private final int clusterSize;
    private Inflater inflater;
    private ZstdDecompressCtx zstd;

    Decompressor(int compressionType, int clusterSize) {
        this.compressionType = compressionType;
        this.clusterSize = clusterSize;
    }

    /**
     * Decodes {@code in[0, inLength)} into {@code out[0, clusterSize)}.
     *
     * @param where names the cluster in messages
     * @throws FormatException for corrupt data or fewer than {@code clusterSize} bytes of output
     */
    void decompress(byte[] in, int inLength, byte[] out, String where) throws IOException {
        int produced = compressionType == Qcow2Header.COMPRESSION_ZSTD ? zstd(in, inLength, out, where)
                : inflate(in, inLength, out, where);
        if (produced < clusterSize) {
            throw new FormatException(where + ": compressed data ends after " + produced + " of " + clusterSize
                    + " bytes of the cluster");
        }
    }

    private int inflate(byte[] in, int inLength, byte[] out, String where) throws FormatException {
        if (inflater == null) {
            inflater = new Inflater(true);
        }
        inflater.reset();
        inflater.setInput(in, 0, inLength);
        int produced = 0;
        try {
            while (produced < clusterSize) {
                int n = inflater.inflate(out, produced, clusterSize - produced);
                if (n == 0 && (inflater.finished() || inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                produced += n;
            }
        } catch (DataFormatException e) {
            throw new FormatException(where + ": corrupt deflate data (" + e.getMessage() + ")", e);
        }
        return produced;
    }

    private int zstd(byte[] in, int inLength, byte[] out, String where) throws IOException {
        if (zstd == null) {
            zstd = ZstdLibrary.decompressor();
        }
        zstd.reset();
        ByteBuffer src = ByteBuffer.wrap(in, 0, inLength);
        ByteBuffer dst = ByteBuffer.wrap(out, 0, clusterSize);
        try {
            while (dst.hasRemaining()) {
                int before = src.remaining() + dst.remaining();
                boolean frameDone = zstd.decompressByteBufferStream(dst, src);
                if (frameDone || src.remaining() + dst.remaining() == before) {
                    break;
                }
            }
        } catch (ZstdException e) {
            throw new FormatException(where + ": corrupt zstd data (" + e.getMessage() + ")", e);
        }
        return dst.position();
    }

    @Override
    public void close() {
        if (inflater != null) {
            inflater.end();
        }
        if (zstd != null) {
            zstd.close();
        }
    }
}
