package dev.volport.faults;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A small real filesystem on a loop device for the disk-full cases ({@code ext4} with no reserved blocks, or
 * {@code btrfs}): made in a temporary directory, mounted, and on {@link #close()} unmounted, detached and removed.
 */
final class SmallFilesystem implements AutoCloseable {
    final Path mount;
    private final Path dir;
    private final String loop;

    private SmallFilesystem(Path dir, Path mount, String loop) {
        this.dir = dir;
        this.mount = mount;
        this.loop = loop;
    }

    static SmallFilesystem create(Path parent, String type, long megabytes) throws Exception {
        Path dir = Files.createDirectories(parent.resolve(type + "-small"));
        Path image = dir.resolve("fs.img");
        Path mount = Files.createDirectories(dir.resolve("mnt"));
        String mkfs = type.equals("ext4") ? "mkfs.ext4 -q -F -m 0" : "mkfs.btrfs -q --mixed";
        Sh.ok("truncate -s " + megabytes + "M " + Sh.q(image) + " && " + mkfs + " " + Sh.q(image));
        String loop = Sh.ok("losetup --find --show " + Sh.q(image)).strip();
        Sh.ok("mount " + loop + " " + Sh.q(mount));
        return new SmallFilesystem(dir, mount, loop);
    }

    /** Bytes free (statvfs f_bavail; no blocks are reserved for root). */
    long available() throws Exception {
        return Long.parseLong(Sh.ok("sync -f " + Sh.q(mount) + "; df --output=avail -B1 " + Sh.q(mount)
                + " | tail -1").strip());
    }

    @Override
    public void close() throws Exception {
        Sh.Result u = Sh.bash("umount " + Sh.q(mount) + " && losetup -d " + loop);
        if (u.exit() != 0) {
            throw new AssertionError("cleaning up the small filesystem: " + u);
        }
        FaultWorld.deleteTree(dir);
    }
}
