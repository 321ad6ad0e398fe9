package dev.volport.format.qcow2;

import static dev.volport.format.qcow2.Qemu.io;
import static dev.volport.format.qcow2.Qemu.rawSha;
import static dev.volport.format.qcow2.SnapshotOracle.assertClean;
import static dev.volport.format.qcow2.SnapshotOracle.on;
import static dev.volport.format.qcow2.SnapshotOracle.qemuTags;
import static dev.volport.format.qcow2.SnapshotOracle.sha;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.format.FormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of guest writes (through qemu-io) and volport's create, delete and revert, against a model of
 * the guest content: after every step {@code qemu-img check} is clean, and at the end the current state and
 * every snapshot read (by qemu-img) as the model says and {@code qemu-img snapshot -l} lists the model's names.
 */
class Qcow2SnapshotPropertyTest {
    private static final int SIZE = 2 << 20;

    /** One step: {@code kind} 0-3 write, 4-5 create, 6 delete, 7 revert; a, b its arguments. */
    record Step(int kind, int a, int b) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        return Combinators.combine(Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 1 << 20)).as(Step::new).list().ofMinSize(3).ofMaxSize(10);
    }

    @Property(tries = 30)
    void sequencesKeepEveryStateAsRecorded(@ForAll("steps") List<Step> steps,
            @ForAll("clusterSizes") String clusterSize) throws IOException {
        Path dir = Files.createTempDirectory("volport-snapshots-");
        try {
            Path image = dir.resolve("p.qcow2");
            Qemu.img("create", "-q", "-f", "qcow2", "-o", "cluster_size=" + clusterSize, image.toString(),
                    Integer.toString(SIZE));
            byte[] active = new byte[SIZE];
            Map<String, byte[]> snapshots = new LinkedHashMap<>();
            for (Step step : steps) {
                apply(image, step, active, snapshots);
                assertClean(image);
            }
            assertThat(qemuTags(image)).containsExactlyElementsOf(snapshots.keySet());
            assertThat(rawSha(image, Optional.empty())).isEqualTo(sha(active));
            for (Map.Entry<String, byte[]> s : snapshots.entrySet()) {
                assertThat(rawSha(image, Optional.of(s.getKey()))).as("snapshot %s", s.getKey())
                        .isEqualTo(sha(s.getValue()));
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    @Provide
    Arbitrary<String> clusterSizes() {
        return Arbitraries.of("512", "4096", "65536");
    }

    private static void apply(Path image, Step step, byte[] active, Map<String, byte[]> snapshots)
            throws IOException {
        List<String> names = new ArrayList<>(snapshots.keySet());
        switch (step.kind()) {
            case 0, 1, 2, 3 -> {
                int offset = (step.a() % (SIZE / 512)) * 512;
                int length = Math.min((step.b() % 256 + 1) * 512, SIZE - offset);
                byte pattern = (byte) (step.a() % 255 + 1);
                io(image, String.format("write -P 0x%x %d %d", pattern, offset, length));
                Arrays.fill(active, offset, offset + length, pattern);
            }
            case 4, 5 -> {
                String name = "s" + step.a() % 4;
                if (snapshots.containsKey(name)) {
                    assertThatThrownBy(() -> SnapshotOracle.create(image, name))
                            .isInstanceOf(FormatException.class).hasMessageContaining("exists already");
                } else {
                    SnapshotOracle.create(image, name);
                    snapshots.put(name, active.clone());
                }
            }
            case 6 -> {
                if (!names.isEmpty()) {
                    String name = names.get(step.a() % names.size());
                    on(image, s -> s.delete(name));
                    snapshots.remove(name);
                }
            }
            default -> {
                if (!names.isEmpty()) {
                    String name = names.get(step.a() % names.size());
                    on(image, s -> s.revert(name));
                    System.arraycopy(snapshots.get(name), 0, active, 0, SIZE);
                }
            }
        }
    }
}
