package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@code alloc … SIZE} (and {@code demo --size}) accepts, in KiB, and what it refuses, and why. */
class SizeConverterTest {
    private final Converters.SizeKiB sizes = new Converters.SizeKiB();

    @ParameterizedTest(name = "{0} = {1} KiB")
    @CsvSource({
        "0, 0",
        "1, 1",
        "4096, 4096",
        "007, 7",
        "1K, 1",
        "1k, 1",
        "1KiB, 1",
        "1kib, 1",
        "3M, 3072",
        "3MiB, 3072",
        "2G, 2097152",
        "2GiB, 2097152",
        "1T, 1073741824",
        "1TiB, 1073741824",
        "1024B, 1",
        "1048576b, 1024",
        "0B, 0",
        // the largest: 2^63 - 1024 bytes
        "9007199254740991, 9007199254740991",
        "8388607T, 9007198180999168",
    })
    void accepts(String text, long kib) {
        assertThat(sizes.convert(text)).isEqualTo(kib);
    }

    @ParameterizedTest(name = "''{0}'': {1}")
    @CsvSource(delimiter = '|', value = {
        "1536B | invalid size '1536B': not a whole number of KiB, the unit volumes are allocated in (the next whole"
                + " size is 2K)",
        "1B | invalid size '1B': not a whole number of KiB, the unit volumes are allocated in (the next whole size"
                + " is 1K)",
        "1MB | invalid size '1MB': unit 'MB' is ambiguous (write M or MiB for powers of 1024)",
        "1kb | invalid size '1kb': unit 'kb' is ambiguous (write K or KiB for powers of 1024)",
        "5GB | invalid size '5GB': unit 'GB' is ambiguous (write G or GiB for powers of 1024)",
        "2TB | invalid size '2TB': unit 'TB' is ambiguous (write T or TiB for powers of 1024)",
        "1P | invalid size '1P': unknown unit 'P' (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB,"
                + " TiB)",
        "1Gi | invalid size '1Gi': unknown unit 'Gi' (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB,"
                + " GiB, TiB)",
        "-1 | invalid size '-1': negative (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "-1G | invalid size '-1G': negative (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "+1 | invalid size '+1': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "1.5G | invalid size '1.5G': not a whole number (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB,"
                + " GiB, TiB)",
        "'' | invalid size '': empty (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "G | invalid size 'G': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "abc | invalid size 'abc': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "1 G | invalid size '1 G': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB, TiB)",
        "0x10 | invalid size '0x10': not a size (a number of KiB, or with a unit: B, K, M, G, T, KiB, MiB, GiB,"
                + " TiB)",
        "9007199254740992 | invalid size '9007199254740992': 2^63 bytes or more",
        "8388608T | invalid size '8388608T': 2^63 bytes or more",
        "99999999999999999999999 | invalid size '99999999999999999999999': 2^63 bytes or more",
    })
    void refuses(String text, String message) {
        assertThatThrownBy(() -> sizes.convert(text)).isInstanceOf(Converters.BadValue.class).hasMessage(message);
    }
}
