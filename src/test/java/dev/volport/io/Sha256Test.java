package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The leaf hash through libcrypto gives the JDK's SHA-256 bytes, for every length and content. */
class Sha256Test {
    @Test
    void libcryptoIsUsedOnThisHostAndAgreesWithTheJdk() throws Exception {
        // Debian's libssl3 is on every host the tests run on (ssh needs it): the fast path must be the one tested
        assertThat(Sha256.isNative()).as("libcrypto's SHA256 bound").isTrue();
        Random r = new Random(7);
        for (int len : new int[] {0, 1, 55, 56, 63, 64, 65, 4095, 4096, 65537, 1 << 20}) {
            byte[] data = new byte[(1 << 20) + 3];
            r.nextBytes(data);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, len);
            assertThat(Sha256.digest(data, len)).as("length " + len).isEqualTo(md.digest());
        }
    }

    @Test
    void theKnownValueOfTheEmptyInput() {
        assertThat(java.util.HexFormat.of().formatHex(Sha256.digest(new byte[0], 0)))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
