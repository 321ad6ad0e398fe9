package dev.volport.storage.dir;

import dev.volport.os.Linux;
import dev.volport.storage.Staging;
import dev.volport.os.LinuxCalls;
import java.nio.file.Path;

/**
 * A second process for {@link StagingTest}: creates a staging object the way an importer does ({@code file} or
 * {@code dir} in directory {@code args[1]} for final name {@code args[2]}), prints its path, and holds its lock
 * until its stdin closes; then it exits without cleaning up, as a killed importer would.
 */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        Linux linux = Linux.system();
        Path dir = Path.of(args[1]);
        Staging s = args[0].equals("dir") ? Staging.createDirectory(linux, dir, args[2])
                : Staging.createFile(linux, dir, args[2]);
        System.out.println(s.path());
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for EOF
        }
        Runtime.getRuntime().halt(0);
    }
}
