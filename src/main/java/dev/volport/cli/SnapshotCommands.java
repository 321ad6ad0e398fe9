package dev.volport.cli;

import dev.volport.storage.Snapshots;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageException;
import dev.volport.volume.SnapshotName;
import dev.volport.volume.VolumeId;
import dev.volport.volume.VolumeName;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code snapshot}, {@code delsnapshot}, {@code snapshots} and {@code rollback}: a volume's snapshots through the
 * storage's optional {@link Snapshots} interface. The writing commands print nothing on success (like
 * {@code qemu-img snapshot}; the reference's API calls return nothing either); a storage type without snapshots
 * is refused naming the storage and its type.
 */
final class SnapshotCommands {
    private SnapshotCommands() {
    }

    abstract static class Base implements Callable<Integer> {
        @ParentCommand
        VolportCommand root;

        @Parameters(index = "0", paramLabel = "VOLID", converter = Converters.Volume.class,
                description = "the volume, STOREID:VOLNAME")
        VolumeId volume;

        /** The storage's snapshots and the parsed volume name, or a refusal naming the storage's type. */
        final Target target(String op) throws IOException {
            Storage storage = root.ctx.storage(volume);
            VolumeName name = storage.parseName(volume.volName());
            Snapshots s = storage.snapshots().orElseThrow(() -> new StorageException(op + " of " + volume
                    + ": storage '" + volume.store() + "' of type '" + storage.section().type().id()
                    + "' has no snapshots"));
            return new Target(s, name);
        }
    }

    record Target(Snapshots snapshots, VolumeName name) {
    }

    /** The NAME argument, with the reference's rule for snapshot names. */
    abstract static class Named extends Base {
        @Parameters(index = "1", paramLabel = "NAME", converter = Converters.Snapshot.class,
                description = "the snapshot: 1 to 40 of a-z A-Z 0-9 _ -")
        SnapshotName snapshot;
    }

    @Command(name = "snapshot", description = "Take a snapshot of a volume (qcow2 on dir storages).",
            footerHeading = "%nExamples:%n",
            footer = {"  volport snapshot local:100/vm-100-disk-0.qcow2 before-upgrade",
                "  volport export local:100/vm-100-disk-0.qcow2 raw+size - \\",
                "    --snapshot before-upgrade > disk.stream"})
    static final class Create extends Named {
        @Override
        public Integer call() throws IOException {
            Target t = target("snapshot");
            t.snapshots().create(t.name(), snapshot);
            return 0;
        }
    }

    @Command(name = "delsnapshot", description = "Delete a snapshot of a volume; the current state is kept.",
            footerHeading = "%nExamples:%n",
            footer = "  volport delsnapshot local:100/vm-100-disk-0.qcow2 before-upgrade")
    static final class Delete extends Named {
        @Override
        public Integer call() throws IOException {
            Target t = target("delete snapshot");
            t.snapshots().delete(t.name(), snapshot);
            return 0;
        }
    }

    @Command(name = "rollback", description = "Make a volume's current state that of one of its snapshots again;"
            + " the snapshot stays, what was written since is lost.",
            footerHeading = "%nExamples:%n",
            footer = "  volport rollback local:100/vm-100-disk-0.qcow2 before-upgrade")
    static final class Rollback extends Named {
        @Override
        public Integer call() throws IOException {
            Target t = target("rollback");
            t.snapshots().rollback(t.name(), snapshot);
            return 0;
        }
    }

    @Command(name = "snapshots", description = "List a volume's snapshots, oldest first, one per line.",
            footerHeading = "%nExamples:%n",
            footer = {"  volport snapshots local:100/vm-100-disk-0.qcow2",
                "  volport snapshots local:100/vm-100-disk-0.qcow2 --output json"})
    static final class ListSnapshots extends Base {
        @Mixin
        OutputMixin output;

        @Override
        public Integer call() throws IOException {
            Target t = target("list snapshots");
            List<String> names = t.snapshots().list(t.name());
            if (output.json()) {
                root.ctx.out().println(Json.write(names));
            } else {
                names.forEach(root.ctx.out()::println);
            }
            return 0;
        }
    }
}
