package dev.volport.storage.btrfs;

import dev.volport.os.Command;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The argv lists of the {@code btrfs} and {@code chattr} commands the btrfs storage runs, exactly as the reference
 * spells them (reference §1.2, §4.6): every path after {@code --}, so that no name is ever read as an option. Pure
 * functions; the storage hands the result to its {@code os.CommandRunner}.
 */
final class BtrfsCommands {
    private BtrfsCommands() {
    }

    /** {@code btrfs -q subvolume create -- DIR}. */
    static Command subvolumeCreate(Path dir) {
        return Command.of("btrfs", "-q", "subvolume", "create", "--", dir.toString());
    }

    /** {@code btrfs -q subvolume delete -- SUBVOL…}. */
    static Command subvolumeDelete(List<Path> subvolumes) {
        List<String> argv = new ArrayList<>(List.of("btrfs", "-q", "subvolume", "delete", "--"));
        subvolumes.forEach(p -> argv.add(p.toString()));
        return Command.of(argv);
    }

    /** {@code btrfs -q subvolume snapshot [-r] -- SOURCE DEST}: read-only for a volume's snapshot. */
    static Command snapshot(Path source, Path dest, boolean readOnly) {
        List<String> argv = new ArrayList<>(List.of("btrfs", "-q", "subvolume", "snapshot"));
        if (readOnly) {
            argv.add("-r");
        }
        argv.addAll(List.of("--", source.toString(), dest.toString()));
        return Command.of(argv);
    }

    /**
     * {@code btrfs property set -f SUBVOL ro true|false}: {@code -f} because a received subvolume can only be made
     * writable by force (the reference's {@code set_ro}). The path is absolute, so it cannot read as an option.
     */
    static Command setReadOnly(Path subvolume, boolean readOnly) {
        return Command.of("btrfs", "property", "set", "-f", subvolume.toAbsolutePath().toString(), "ro",
                Boolean.toString(readOnly));
    }

    /**
     * {@code btrfs -q send -e [-p BASE] -- SNAPSHOT…}: the reference's export command, with the snapshots to send in
     * order (the requested one last). Never a writable subvolume: {@code btrfs send} takes read-only ones only.
     */
    static Command send(Optional<Path> base, List<Path> snapshots) {
        List<String> argv = new ArrayList<>(List.of("btrfs", "-q", "send", "-e"));
        base.ifPresent(b -> argv.addAll(List.of("-p", b.toString())));
        argv.add("--");
        snapshots.forEach(p -> argv.add(p.toString()));
        return Command.of(argv);
    }

    /**
     * {@code btrfs -q receive -e -C -- DIR}: the stream on stdin, the subvolumes it holds created in {@code dir}.
     * The reference runs it without {@code -C}; volport confines the receiver to the private staging directory
     * ({@code chroot}), so that no path in a hostile stream, through {@code ..} or a symlink it created, can reach
     * anything outside it.
     */
    static Command receive(Path dir) {
        return Command.of("btrfs", "-q", "receive", "-e", "-C", "--", dir.toString())
                .withStdin(Command.Stdin.pipe());
    }

    /** {@code chattr +C -- FILE}: no copy-on-write for the (still empty) file, as {@code nocow} asks. */
    static Command noCow(Path file) {
        return Command.of("chattr", "+C", "--", file.toString());
    }
}
