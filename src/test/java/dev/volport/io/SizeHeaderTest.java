package dev.volport.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SizeHeaderTest {
    private static byte[] bytes(long size) {
        return SizeHeader.encode(size).array();
    }

    private static long read(byte[] b) throws IOException {
        return SizeHeader.read(Channels.newChannel(new ByteArrayInputStream(b)));
    }

    @Test
    void goldenBytesMatchPerlPackQLittleEndian() {
        // perl -e 'print pack("Q<", 1048576)' | xxd  ->  0000 1000 0000 0000
        assertThat(HexFormat.of().formatHex(bytes(1 << 20))).isEqualTo("0000100000000000");
        assertThat(HexFormat.of().formatHex(bytes(0))).isEqualTo("0000000000000000");
        assertThat(HexFormat.of().formatHex(bytes(1000001))).isEqualTo("41420f0000000000");
        assertThat(HexFormat.of().formatHex(bytes(0x0102030405060708L))).isEqualTo("0807060504030201");
    }

    @Property
    void roundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long size) throws IOException {
        assertThat(read(bytes(size))).isEqualTo(size);
    }

    @Test
    void shortHeaderMeansTheExportFailedBeforeSendingData() {
        assertThatThrownBy(() -> read(new byte[5])).isInstanceOf(EOFException.class)
                .hasMessageContaining("got 5 of 8 bytes").hasMessageContaining("export failed before sending data");
        assertThatThrownBy(() -> read(new byte[0])).isInstanceOf(EOFException.class)
                .hasMessageContaining("got 0 of 8 bytes");
    }

    @Test
    void sizesOfTwoToTheSixtyThreeAndMoreAreRefused() {
        byte[] b = new byte[8];
        b[7] = (byte) 0x80;
        assertThatThrownBy(() -> read(b)).isInstanceOf(IOException.class)
                .hasMessageContaining("9223372036854775808");
    }
}
