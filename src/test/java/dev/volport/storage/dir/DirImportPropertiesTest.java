package dev.volport.storage.dir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.storage.StorageException;
import dev.volport.storage.TransferOptions;
import dev.volport.testing.Imports;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

/**
 * Any framing of a raw+size stream: the import succeeds exactly when the body length equals the header, with the
 * same bytes, and otherwise fails with a {@link StorageException} and leaves no file at all.
 */
class DirImportPropertiesTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Property(tries = 60)
    void importSucceedsExactlyWhenTheLengthsAgree(@ForAll @Size(max = 20000) byte[] body,
            @ForAll @IntRange(min = -3, max = 3) int skew, @ForAll @LongRange(min = 0, max = 5000) long noise)
            throws IOException {
        long declared = Math.max(0, body.length + skew * (noise % 7));
        Path root = Files.createTempDirectory("volport-prop-");
        try {
            DirStorage storage = DirStorageTest.open(root, "prop", QUIET);
            byte[] wire = new byte[8 + body.length];
            SizeHeader.encode(declared).get(0, wire, 0, 8);
            System.arraycopy(body, 0, wire, 8, body.length);
            var in = Channels.newChannel(new ByteArrayInputStream(wire));
            if (declared == body.length) {
                var id = Imports.run(storage, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE, TransferOptions.DEFAULT,
                        in, Progress.NONE);
                assertThat(Files.readAllBytes(storage.path(storage.parseName(id.volName())))).isEqualTo(body);
            } else {
                assertThatThrownBy(() -> Imports.run(storage, "100/vm-100-disk-0.raw", StreamFormat.RAW_SIZE,
                        TransferOptions.DEFAULT, in, Progress.NONE)).isInstanceOf(StorageException.class);
                try (Stream<Path> s = Files.walk(root)) {
                    assertThat(s.filter(Files::isRegularFile)
                            .filter(p -> !p.getFileName().toString().equals(".volport.lock"))).isEmpty();
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
