package dev.volport.io;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * SHA-256 of a whole buffer, for the content digest's leaves: through OpenSSL's {@code libcrypto} when the host
 * has it (its code uses the CPU's SHA extensions and runs at full speed whatever the JIT does: the launcher's
 * C1-only JIT leaves the JDK's SHA-256 at about a tenth of that), else the JDK's {@link MessageDigest}. Both give
 * the same bytes; {@code -Dvolport.sha256=jdk} forces the JDK's.
 */
final class Sha256 {
    /** {@code unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md)}, or null. */
    private static final MethodHandle ONE_SHOT = bind();

    private Sha256() {
    }

    /** Whether libcrypto does the hashing. */
    static boolean isNative() {
        return ONE_SHOT != null;
    }

    private static MethodHandle bind() {
        if ("jdk".equals(System.getProperty("volport.sha256"))) {
            return null;
        }
        for (String lib : List.of("libcrypto.so.3", "libcrypto.so")) {
            try {
                Optional<MemorySegment> f = SymbolLookup.libraryLookup(lib, Arena.global()).find("SHA256");
                if (f.isPresent()) {
                    // critical: the leaf is a heap array, passed without copying; the call is short and never blocks
                    return Linker.nativeLinker().downcallHandle(f.get(),
                            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, ADDRESS), Linker.Option.critical(true));
                }
            } catch (IllegalArgumentException | IllegalCallerException | UnsupportedOperationException absent) {
                // no such library here (or native access is not enabled): try the next, then the JDK's
            }
        }
        return null;
    }

    /** The SHA-256 of {@code data[0, length)}. */
    static byte[] digest(byte[] data, int length) {
        return digest(data, 0, length);
    }

    /** The SHA-256 of {@code data[offset, offset + length)}. */
    static byte[] digest(byte[] data, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.length);
        if (ONE_SHOT != null) {
            byte[] out = new byte[32];
            try {
                MemorySegment unused = (MemorySegment) ONE_SHOT.invokeExact(
                        MemorySegment.ofArray(data).asSlice(offset, length), (long) length,
                        MemorySegment.ofArray(out));
            } catch (Throwable t) {
                throw new IllegalStateException("libcrypto SHA256 failed", t);
            }
            return out;
        }
        MessageDigest md = jdk();
        md.update(data, offset, length);
        return md.digest();
    }

    /** The JDK's SHA-256, for the small hashes over leaf digests. */
    static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
