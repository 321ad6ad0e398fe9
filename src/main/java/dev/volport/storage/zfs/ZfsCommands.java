package dev.volport.storage.zfs;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The argv of every {@code zfs} command the {@code zfspool} storage runs, built here and nowhere else (STYLE rule
 * 14), for one pool. Dataset arguments always follow {@code --} where the command takes it, so that a name can never
 * be read as an option. Pure: nothing is run.
 *
 * <p>The reference's send and receive flags ({@code pve-storage.md} §1.2) are used where the installed zfs knows
 * them ({@link Features}): {@code send -v} (progress lines on stderr), {@code send -U} (do not preserve encryption,
 * zfsutils ≥ 2.4.1-pve2) and {@code recv -x encryption}. zfs-fuse knows none of them
 * ({@code send [-RDp] [-iI]}, {@code receive [-vnF]}).
 */
public final class ZfsCommands {
    /**
     * What the installed {@code zfs} supports beyond zfs-fuse's basics, probed once from its usage text.
     *
     * @param sendVerbose            {@code zfs send -v}
     * @param sendNoPreserveEncryption {@code zfs send -U}
     * @param recvExclude            {@code zfs recv -x PROPERTY}
     */
    public record Features(boolean sendVerbose, boolean sendNoPreserveEncryption, boolean recvExclude) {
        /** zfs-fuse: none of them. */
        public static final Features BASIC = new Features(false, false, false);
        /** OpenZFS with Proxmox's {@code -U} patch: all of them, the reference's argv. */
        public static final Features REFERENCE = new Features(true, true, true);

        /**
         * Reads the features from the usage texts {@code zfs send} and {@code zfs receive} print when run without
         * arguments: the flag letters of the first {@code send [-…]} group, and whether {@code -x} appears.
         */
        public static Features fromUsage(List<String> sendUsage, List<String> recvUsage) {
            String flags = "";
            for (String line : sendUsage) {
                String t = line.strip();
                if (t.startsWith("send [-")) {
                    flags = t.substring("send [-".length(), Math.max(t.indexOf(']'), "send [-".length()));
                    break;
                }
            }
            boolean exclude = recvUsage.stream().anyMatch(l -> l.contains("[-x "));
            return new Features(flags.indexOf('v') >= 0, flags.indexOf('U') >= 0, exclude);
        }
    }

    /** The properties {@link #listVolumes} asks for, in the order its output gives them. */
    public static final List<String> LIST_PROPERTIES =
            List.of("type", "volsize", "refquota", "used", "origin", "creation", "mountpoint");

    private final String pool;

    /** Commands for datasets below {@code pool} (a pool or a dataset path such as {@code tank/pve}). */
    public ZfsCommands(String pool) {
        this.pool = Objects.requireNonNull(pool, "pool");
    }

    public String pool() {
        return pool;
    }

    /** {@code POOL/NAME}. */
    public String dataset(String name) {
        return pool + "/" + name;
    }

    /** The usage text of {@code zfs send} (exit code 2), for {@link Features#fromUsage}. */
    public static List<String> probeSend() {
        return List.of("zfs", "send");
    }

    /** The usage text of {@code zfs receive} (exit code 2), for {@link Features#fromUsage}. */
    public static List<String> probeReceive() {
        return List.of("zfs", "receive");
    }

    /**
     * The reference's export: {@code zfs send -Rp[v][U] [-I|-i BASE] -- POOL/NAME@SNAP}; {@code -I} (all snapshots
     * between) with snapshots, {@code -i} without.
     */
    public List<String> send(String name, String snapshot, Optional<String> base, boolean withSnapshots,
            Features f) {
        List<String> argv = new ArrayList<>(List.of("zfs", "send", "-Rp" + (f.sendVerbose() ? "v" : "")
                + (f.sendNoPreserveEncryption() ? "U" : "")));
        base.ifPresent(b -> {
            argv.add(withSnapshots ? "-I" : "-i");
            argv.add(b);
        });
        argv.add("--");
        argv.add(dataset(name) + "@" + snapshot);
        return argv;
    }

    /** The reference's import: {@code zfs recv -F [-x encryption] -- POOL/NAME}. */
    public List<String> receive(String name, Features f) {
        List<String> argv = new ArrayList<>(List.of("zfs", "recv", "-F"));
        if (f.recvExclude()) {
            argv.addAll(List.of("-x", "encryption"));
        }
        argv.addAll(List.of("--", dataset(name)));
        return argv;
    }

    /**
     * {@code argv} run through util-linux's {@code setpriv --pdeathsig KILL --}, so that it is killed when the
     * volport thread that started it dies, also by SIGKILL: for a {@code zfs send}/{@code zfs recv} that was handed
     * volport's own stdout/stdin, which would otherwise keep the stream going after volport is gone.
     */
    public static List<String> tiedToCaller(List<String> argv) {
        List<String> out = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--"));
        out.addAll(argv);
        return out;
    }

    /** Exists-check of the reference: {@code zfs get -H name POOL/NAME[@SNAP]} (exit code 1 when absent). */
    public List<String> exists(String name, Optional<String> snapshot) {
        return List.of("zfs", "get", "-H", "name", dataset(name) + snapshot.map(s -> "@" + s).orElse(""));
    }

    /**
     * One line per dataset or zvol directly below the pool and per property, {@code NAME\tPROPERTY\tVALUE} with
     * exact numbers: {@code zfs get -Hp -r -d 1 -o name,property,value PROPS POOL}. ({@code zfs list -p} would do,
     * but zfs-fuse's list has no {@code -p}.) Snapshots appear too and are skipped by the reader.
     */
    public List<String> listVolumes() {
        return List.of("zfs", "get", "-Hp", "-r", "-d", "1", "-o", "name,property,value",
                String.join(",", LIST_PROPERTIES), pool);
    }

    /** The snapshots of one volume, oldest first: {@code zfs list -H -o name -t snapshot -d 1 -s creation}. */
    public List<String> listSnapshots(String name) {
        return List.of("zfs", "list", "-H", "-o", "name", "-t", "snapshot", "-d", "1", "-s", "creation", "--",
                dataset(name));
    }

    /** Pool capacity as the reference reads it: {@code zfs get -o value -Hp available,used POOL}. */
    public List<String> status() {
        return List.of("zfs", "get", "-o", "value", "-Hp", "available,used", pool);
    }

    /**
     * The type and mount state of a dataset and of its snapshots in one call, {@code NAME\tPROPERTY\tVALUE} per
     * line: {@code zfs get -Hp -r -d 1 -o name,property,value type,mounted POOL/NAME}. What an import checks after
     * the receive (the snapshot asked for is there, and whether the dataset must be unmounted before the rename).
     */
    public List<String> state(String name) {
        return List.of("zfs", "get", "-Hp", "-r", "-d", "1", "-o", "name,property,value", "type,mounted",
                dataset(name));
    }

    /** One property of one dataset, exact: {@code zfs get -Hp -o value PROP -- POOL/NAME}. */
    public List<String> get(String name, String property) {
        return List.of("zfs", "get", "-Hp", "-o", "value", property, dataset(name));
    }

    /**
     * A zvol as the reference allocates it: {@code zfs create [-s] [-b BLOCKSIZE] -V SIZEk -- POOL/NAME}.
     *
     * @param sizeKiB size in KiB, as the storage API gives it
     */
    public List<String> createZvol(String name, long sizeKiB, boolean sparse, Optional<String> blocksize) {
        List<String> argv = new ArrayList<>(List.of("zfs", "create"));
        if (sparse) {
            argv.add("-s");
        }
        blocksize.ifPresent(b -> {
            argv.add("-b");
            argv.add(b);
        });
        argv.addAll(List.of("-V", sizeKiB + "k", "--", dataset(name)));
        return argv;
    }

    /**
     * A container dataset as the reference allocates it, {@code refquota} = size (none for 0):
     * {@code zfs create -o refquota=SIZEk -- POOL/NAME}. The reference also sets {@code acltype=posixacl}, which
     * zfs-fuse does not know; ACLs then still travel in a {@code tar+size} stream as xattrs where the filesystem
     * keeps them.
     */
    public List<String> createDataset(String name, long sizeKiB) {
        List<String> argv = new ArrayList<>(List.of("zfs", "create"));
        if (sizeKiB > 0) {
            argv.addAll(List.of("-o", "refquota=" + sizeKiB + "k"));
        }
        argv.addAll(List.of("--", dataset(name)));
        return argv;
    }

    /**
     * Removes a volume: {@code zfs destroy [-r] -- POOL/NAME}. The reference is recursive (its snapshots go with
     * it) for free_image and for a failed receive; clones of it make this fail, which is the reference's
     * behaviour too (a base with linked clones is not removed).
     */
    public List<String> destroy(String name, boolean recursive) {
        return recursive ? List.of("zfs", "destroy", "-r", "--", dataset(name))
                : List.of("zfs", "destroy", "--", dataset(name));
    }

    /** {@code zfs snapshot -- POOL/NAME@SNAP}. */
    public List<String> snapshot(String name, String snapshot) {
        return List.of("zfs", "snapshot", "--", dataset(name) + "@" + snapshot);
    }

    /** {@code zfs destroy -- POOL/NAME@SNAP}. */
    public List<String> destroySnapshot(String name, String snapshot) {
        return List.of("zfs", "destroy", "--", dataset(name) + "@" + snapshot);
    }

    /** The reference's rollback (also the cleanup of a failed incremental receive): {@code zfs rollback -r}. */
    public List<String> rollback(String name, String snapshot) {
        return List.of("zfs", "rollback", "-r", "--", dataset(name) + "@" + snapshot);
    }

    /** {@code zfs clone -- POOL/NAME@SNAP POOL/CLONE}: {@code snapshot} is the full snapshot name. */
    public List<String> cloneSnapshot(String snapshot, String clone) {
        return List.of("zfs", "clone", "--", snapshot, dataset(clone));
    }

    /** {@code zfs rename -- POOL/FROM POOL/TO}; zfs refuses an existing target. */
    public List<String> rename(String from, String to) {
        return List.of("zfs", "rename", "--", dataset(from), dataset(to));
    }

    /** {@code zfs umount -- POOL/NAME}: zfs-fuse cannot rename a mounted dataset ("dataset is busy"). */
    public List<String> unmount(String name) {
        return List.of("zfs", "umount", "--", dataset(name));
    }

    /** {@code zfs mount -- POOL/NAME}. */
    public List<String> mount(String name) {
        return List.of("zfs", "mount", "--", dataset(name));
    }
}
