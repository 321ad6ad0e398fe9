package dev.volport.storage.zfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.config.StorageConfig;
import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.io.SizeHeader;
import dev.volport.os.Command;
import dev.volport.os.CommandResult;
import dev.volport.os.CommandRunner;
import dev.volport.os.LinuxCalls;
import dev.volport.os.RunningCommand;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.StorageException;
import dev.volport.storage.StorageRegistry;
import dev.volport.storage.StorageType;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.StoreId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * zvols as {@code raw+size}, which zfs-fuse cannot show: a stand-in for {@code zfs} that answers the argv the
 * storage runs by keeping each zvol as a regular file {@code DEV/tank/NAME} (where udev would put the device), so the
 * data path (staging zvol, sparse writes, rename, export by positional reads, a snapshot read through a clone) runs
 * for real while the argv are checked.
 */
class ZfsZvolTest {
    @TempDir
    Path tmp;
    Path dev;
    final List<List<String>> calls = new ArrayList<>();
    Storage s;

    /** zfs for zvols kept as files; fails the test on any argv it does not know. */
    final class FileZfs implements CommandRunner {
        private Path file(String dataset) {
            return dev.resolve(dataset);
        }

        @Override
        public synchronized CommandResult execute(Command command) {
            List<String> a = command.argv();
            calls.add(a);
            String out = "";
            int exit = 0;
            String err = "";
            try {
                String last = a.getLast();
                if (a.subList(0, 3).equals(List.of("zfs", "get", "-H")) && a.get(3).equals("name")) {
                    boolean there = Files.exists(file(last));
                    exit = there ? 0 : 1;
                    err = there ? "" : "cannot open '" + last + "': dataset does not exist";
                } else if (a.contains("-r") && a.get(1).equals("get")) {
                    try (Stream<Path> l = Files.list(dev.resolve("tank"))) {
                        StringBuilder sb = new StringBuilder();
                        for (Path p : l.filter(p -> !p.getFileName().toString().contains("@")).toList()) {
                            String n = "tank/" + p.getFileName();
                            sb.append(n).append("\ttype\tvolume\n").append(n).append("\tvolsize\t")
                                    .append(Files.size(p)).append('\n');
                        }
                        out = sb.toString();
                    }
                } else if (a.get(1).equals("get")) {
                    out = switch (a.get(5)) {
                        case "volsize" -> Long.toString(Files.size(file(last)));
                        case "type" -> "volume";
                        default -> throw new AssertionError("unexpected property in " + a);
                    } + "\n";
                } else if (a.get(1).equals("create")) {
                    assertThat(a.subList(0, 7)).containsExactly("zfs", "create", "-s", "-b", "16k", "-V",
                            a.get(6));
                    long kib = Long.parseLong(a.get(6).replace("k", ""));
                    try (RandomAccessFile f = new RandomAccessFile(file(last).toFile(), "rw")) {
                        f.setLength(kib * 1024);
                    }
                } else if (a.get(1).equals("rename")) {
                    Files.move(file(a.get(3)), file(a.get(4)));
                } else if (a.get(1).equals("destroy")) {
                    Files.delete(file(last));
                } else if (a.get(1).equals("snapshot") || a.get(1).equals("clone")) {
                    String from = a.get(1).equals("clone") ? a.get(3) : last.substring(0, last.indexOf('@'));
                    Files.copy(file(from), file(last), StandardCopyOption.COPY_ATTRIBUTES);
                } else {
                    throw new AssertionError("unexpected command " + a);
                }
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return new CommandResult(a, exit, out.getBytes(StandardCharsets.UTF_8), err.isEmpty() ? List.of()
                    : List.of(err));
        }

        @Override
        public RunningCommand start(Command command) {
            throw new AssertionError("nothing is streamed through zfs for raw+size: " + command.argv());
        }
    }

    @BeforeEach
    void open() throws Exception {
        dev = tmp.resolve("dev");
        Files.createDirectories(dev.resolve("tank"));
        List<StorageType> types = List.of(new ZfsPoolStorageType(new FileZfs(), tmp.resolve("locks"), dev));
        var config = StorageConfig.parse("zfspool: tank\n\tpool tank\n\tsparse 1\n\tblocksize 16k\n", "t.cfg",
                StorageRegistry.sectionTypes(types));
        s = new StorageRegistry(types, config, env()).open(new StoreId("tank"));
    }

    private StorageEnvironment env() {
        return new StorageEnvironment(new LinuxCalls(), new ShutdownGuard(), l -> { });
    }

    private static byte[] stream(int size) {
        byte[] body = new byte[size];
        Random r = new Random(7);
        for (int off = 0; off < size; off += 1 << 20) {
            if (r.nextBoolean()) {
                byte[] chunk = new byte[Math.min(1 << 20, size - off) / 2];
                r.nextBytes(chunk);
                System.arraycopy(chunk, 0, body, off, chunk.length);
            }
        }
        byte[] wire = new byte[8 + size];
        SizeHeader.encode(size).get(0, wire, 0, 8);
        System.arraycopy(body, 0, wire, 8, size);
        return wire;
    }

    private byte[] export(String volname, TransferOptions o) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        s.exportVolume(s.parseName(volname), StreamFormat.RAW_SIZE, o, Channels.newChannel(out), Progress.NONE);
        return out.toByteArray();
    }

    @Test
    void aRawStreamLandsInAStagingZvolThatIsRenamedAndExportsBackTheSameBytes() throws Exception {
        byte[] wire = stream((5 << 20) + 1000);
        var id = new ImportTransaction(env()).run(s, s.parseName("vm-100-disk-0"), StreamFormat.RAW_SIZE,
                TransferOptions.DEFAULT, Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
        assertThat(id.toString()).isEqualTo("tank:vm-100-disk-0");
        List<String> create = calls.stream().filter(c -> c.get(1).equals("create")).findFirst().orElseThrow();
        assertThat(create.subList(0, 8)).containsExactly("zfs", "create", "-s", "-b", "16k", "-V", "5121k", "--");
        assertThat(create.get(8)).matches("tank/volport-import-[0-9a-f]{16}-vm-100-disk-0");
        assertThat(calls).contains(List.of("zfs", "rename", "--", create.get(8), "tank/vm-100-disk-0"));
        try (Stream<Path> l = Files.list(dev.resolve("tank"))) {
            assertThat(l.map(p -> p.getFileName().toString())).containsExactly("vm-100-disk-0");
        }
        // the zvol is the KiB-rounded size: the export sends its volsize, the stream's bytes then zeros
        byte[] back = export("vm-100-disk-0", TransferOptions.DEFAULT);
        assertThat(java.nio.ByteBuffer.wrap(back, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong()).isEqualTo(5121 * 1024L);
        assertThat(Arrays.copyOfRange(back, 8, wire.length)).isEqualTo(Arrays.copyOfRange(wire, 8, wire.length));
        assertThat(Arrays.copyOfRange(back, wire.length, back.length)).containsOnly(0);
    }

    @Test
    void aSnapshotIsReadThroughATemporaryCloneAndACutStreamLeavesNothing() throws Exception {
        byte[] wire = stream(2 << 20);
        new ImportTransaction(env()).run(s, s.parseName("vm-101-disk-0"), StreamFormat.RAW_SIZE,
                TransferOptions.DEFAULT, Channels.newChannel(new ByteArrayInputStream(wire)), Progress.NONE);
        s.snapshots().orElseThrow().create(s.parseName("vm-101-disk-0"), new SnapshotName("S"));
        var opts = new TransferOptions(Optional.of(new SnapshotName("S")), Optional.empty(), false, List.of(), false,
                Optional.empty());
        assertThat(export("vm-101-disk-0", opts)).isEqualTo(wire);
        assertThat(calls).anyMatch(c -> c.get(1).equals("clone") && c.get(3).equals("tank/vm-101-disk-0@S"));
        assertThat(calls.getLast().subList(0, 4)).containsExactly("zfs", "destroy", "-r", "--");

        byte[] cut = Arrays.copyOf(stream(2 << 20), 1 << 20);
        assertThatThrownBy(() -> new ImportTransaction(env()).run(s, s.parseName("vm-102-disk-0"),
                StreamFormat.RAW_SIZE, TransferOptions.DEFAULT, Channels.newChannel(new ByteArrayInputStream(cut)),
                Progress.NONE)).isInstanceOf(StorageException.class).hasMessageStartingWith("import into tank:vm-102");
        try (Stream<Path> l = Files.list(dev.resolve("tank"))) {
            assertThat(l.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("vm-101-disk-0",
                    "vm-101-disk-0@S");
        }
    }
}
