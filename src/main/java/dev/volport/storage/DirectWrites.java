package dev.volport.storage;

import dev.volport.io.DirectOutput;
import dev.volport.os.LinuxCalls;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Whether an import writes its raw image around the page cache ({@link dev.volport.io.DirectOutput}). Only on local
 * filesystems that are known to do direct I/O well: on NFS or CIFS every direct write is a round trip to the
 * server, on FUSE it may not be offered at all. {@code VOLPORT_DIRECT_IO=off} (or {@code 0}) turns it off for a
 * process, e.g. on slow disks, where many direct writes each wait for the device.
 */
public final class DirectWrites {
    private static final Set<String> LOCAL = Set.of("ext4", "ext3", "ext2", "xfs", "btrfs", "f2fs");

    private DirectWrites() {
    }

    /** Whether files in {@code dir} should be written with direct I/O, by the environment and the filesystem type. */
    public static boolean suit(Path dir, Map<String, String> environment) {
        String setting = environment.getOrDefault("VOLPORT_DIRECT_IO", "auto");
        if (setting.equals("off") || setting.equals("0")) {
            return false;
        }
        try {
            return LOCAL.contains(Files.getFileStore(dir).type());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /** An {@code O_DIRECT} file of the os layer as the io layer's {@link DirectOutput} (the two never meet). */
    public static DirectOutput output(LinuxCalls.DirectFile file) {
        return new DirectOutput() {
            @Override
            public void write(MemorySegment block, long offset) throws IOException {
                file.write(block, offset);
            }

            @Override
            public void close() {
                file.close();
            }
        };
    }
}
