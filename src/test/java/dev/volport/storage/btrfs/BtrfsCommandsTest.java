package dev.volport.storage.btrfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.os.Command;
import dev.volport.os.CommandException;
import dev.volport.os.RecordingCommandRunner;
import dev.volport.os.RecordingCommandRunner.Answer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The argv lists of the btrfs storage, word for word the reference's (reference §1.2, §4.6), and how a tool's
 * failure reads when one of them fails.
 */
class BtrfsCommandsTest {
    private static final Path DISK = Path.of("/st/images/100/vm-100-disk-0");

    @Test
    void sendIsTheReferencesCommandWithTheSnapshotsInOrderAndTheRequestedOneLast() {
        assertThat(BtrfsCommands.send(Optional.empty(), List.of(Path.of(DISK + "@a"), Path.of(DISK + "@b"))).argv())
                .containsExactly("btrfs", "-q", "send", "-e", "--", DISK + "@a", DISK + "@b");
        assertThat(BtrfsCommands.send(Optional.of(Path.of(DISK + "@a")), List.of(Path.of(DISK + "@b"))).argv())
                .containsExactly("btrfs", "-q", "send", "-e", "-p", DISK + "@a", "--", DISK + "@b");
    }

    @Test
    void receiveReadsItsStdinIntoTheDirectory() {
        Command c = BtrfsCommands.receive(Path.of("/st/images/100/.volport-staging.x.vm-100-disk-0"));
        assertThat(c.argv()).containsExactly("btrfs", "-q", "receive", "-e", "-C", "--",
                "/st/images/100/.volport-staging.x.vm-100-disk-0");
        assertThat(c.stdin()).isEqualTo(Command.Stdin.pipe());
    }

    @Test
    void subvolumeCommandsPutEveryPathAfterTheDoubleDash() {
        assertThat(BtrfsCommands.subvolumeCreate(DISK).argv())
                .containsExactly("btrfs", "-q", "subvolume", "create", "--", DISK.toString());
        assertThat(BtrfsCommands.subvolumeDelete(List.of(Path.of(DISK + "@s"), DISK)).argv())
                .containsExactly("btrfs", "-q", "subvolume", "delete", "--", DISK + "@s", DISK.toString());
        assertThat(BtrfsCommands.snapshot(DISK, Path.of(DISK + "@s"), true).argv())
                .containsExactly("btrfs", "-q", "subvolume", "snapshot", "-r", "--", DISK.toString(), DISK + "@s");
        assertThat(BtrfsCommands.snapshot(Path.of(DISK + "@s"), DISK, false).argv())
                .containsExactly("btrfs", "-q", "subvolume", "snapshot", "--", DISK + "@s", DISK.toString());
        assertThat(BtrfsCommands.setReadOnly(Path.of(DISK + "@s"), false).argv())
                .containsExactly("btrfs", "property", "set", "-f", DISK + "@s", "ro", "false");
        assertThat(BtrfsCommands.noCow(DISK.resolve("disk.raw")).argv())
                .containsExactly("chattr", "+C", "--", DISK + "/disk.raw");
    }

    @Test
    void aFailingToolIsOneLineNamingTheCommandAndItsStderr() throws Exception {
        Command delete = BtrfsCommands.subvolumeDelete(List.of(DISK));
        var runner = new RecordingCommandRunner().answer(delete.argv(),
                Answer.fail(1, "ERROR: Could not statfs: No such file or directory"));
        assertThatThrownBy(() -> runner.run(delete)).isInstanceOf(CommandException.class)
                .hasMessage("'btrfs -q subvolume delete -- /st/images/100/vm-100-disk-0' failed with exit code 1:"
                        + " ERROR: Could not statfs: No such file or directory");
        assertThat(runner.calls()).containsExactly(delete.argv());
    }
}
