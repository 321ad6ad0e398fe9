package dev.volport.testing;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A write-only channel that SHA-256-hashes and counts what it receives. It cannot seek, like a pipe, so a reader
 * that streams into it proves it never needs to.
 */
public final class DigestChannel implements WritableByteChannel {
    private final MessageDigest md;
    private long bytes;

    public DigestChannel() {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public int write(ByteBuffer src) {
        int n = src.remaining();
        md.update(src);
        bytes += n;
        return n;
    }

    /** Bytes received so far. */
    public long bytes() {
        return bytes;
    }

    /** The SHA-256 of everything received, in lower-case hex; call once, at the end. */
    public String hex() {
        return HexFormat.of().formatHex(md.digest());
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {
    }
}
