package dev.volport.format;

import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.IOException;

/**
 * Opens zstd contexts, turning a library that cannot load into one clear error. zstd-jni unpacks its native library
 * into {@code java.io.tmpdir} on first use; on a full or read-only {@code /tmp} that fails with a JVM error (a class
 * initializer's), which would otherwise reach the user as a Java stack trace. Open contexts only when a stream needs
 * them, so that streams without zstd never depend on it.
 */
public final class ZstdLibrary {
    private ZstdLibrary() {
    }

    public static ZstdDecompressCtx decompressor() throws IOException {
        try {
            return new ZstdDecompressCtx();
        } catch (LinkageError e) {
            throw failed(e);
        }
    }

    public static ZstdCompressCtx compressor(int level) throws IOException {
        try {
            return new ZstdCompressCtx().setLevel(level);
        } catch (LinkageError e) {
            throw failed(e);
        }
    }

    private static IOException failed(LinkageError e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String why = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        return new IOException("cannot load the zstd library (zstd-jni unpacks it into java.io.tmpdir, "
                + System.getProperty("java.io.tmpdir") + "): " + why, e);
    }
}
