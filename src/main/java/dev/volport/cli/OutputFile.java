package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Warnings;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * The FILE of {@code volport export} when it is a path: a file that is never destroyed by a failed export.
 *
 * <ul>
 *   <li>A regular file, or a name that does not exist yet, is written as a sibling temporary file
 *       ({@code .volport-export.PID.N.NAME}, created with {@code O_EXCL}) that is flushed and renamed over FILE
 *       only by {@link #commit()}; the directory is flushed after the rename. On failure, SIGINT or SIGTERM the
 *       temporary file is removed, so a pre-existing FILE keeps its bytes and a new one never appears half written.
 *       The replacement keeps the permission bits of the file it replaces, and its owner and group where the
 *       process may set them (root; otherwise the exporter owns the new file). A FILE the process may not write
 *       ({@code access(W_OK)}) is refused, as a shell's {@code >} refuses it, though a rename could replace it.</li>
 *   <li>A FIFO, character or block device is opened for writing in place: never created, never truncated, never
 *       unlinked.</li>
 *   <li>A symbolic link is followed to its final target and the rules above apply to the target: the link itself
 *       stays a link. A link to a name that does not exist creates that name, as a shell redirection does.</li>
 *   <li>A directory or a socket is refused.</li>
 * </ul>
 */
final class OutputFile implements AutoCloseable {
    /** Symbolic links followed before giving up, as the kernel's own limit (ELOOP). */
    private static final int MAX_LINKS = 40;
    static final String TEMP_PREFIX = ".volport-export.";
    private static final int NAME_MAX = 255;

    /** What FILE is, found by looking only. */
    /**
     * What FILE is. {@code DESCRIPTOR}: a regular file reached through a descriptor this process inherited
     * ({@code /dev/stdout}, {@code /dev/fd/N}, {@code /proc/self/fd/N}): written through that descriptor's open file
     * (its append mode and offset kept), never replaced, since the caller holds it open ({@code >> log}).
     */
    enum Kind { NEW, REGULAR, DESCRIPTOR, FIFO, CHAR_DEVICE, BLOCK_DEVICE }

    /** An inherited descriptor's name: {@code /proc/self/fd/N}, {@code /proc/PID/fd/N} or {@code /dev/fd/N}. */
    private static final java.util.regex.Pattern FD_LINK =
            java.util.regex.Pattern.compile("^/(?:proc/(?:self|thread-self|\\d+)|dev)/fd/(\\d+)$");

    /**
     * FILE as resolved: {@code path} is the real path with every symlink resolved (for a new file: the real
     * directory plus the new name). {@code given} is what the user typed, for messages.
     */
    record Target(String given, Path path, Kind kind) {
        boolean inPlace() {
            return kind != Kind.NEW && kind != Kind.REGULAR;
        }
    }

    private final Target target;
    private final FileChannel channel;
    private final Path temp;
    private final Linux linux;
    private final ShutdownGuard guard;
    private final Warnings warnings;
    private final Runnable undo;
    private boolean committed;

    private OutputFile(Target target, FileChannel channel, Path temp, Linux linux, ShutdownGuard guard,
            Warnings warnings) {
        this.warnings = warnings;
        this.target = target;
        this.channel = channel;
        this.temp = temp;
        this.linux = linux;
        this.guard = guard;
        this.undo = this::removeTemp;
    }

    /**
     * Finds out what {@code given} names without creating, opening for writing or changing anything.
     *
     * @param what the operation, for messages ({@code export of local:100/vm-100-disk-0.raw})
     * @throws VolportException when FILE is a directory or a socket, its directory does not exist, or a path
     *                          component cannot be looked at
     */
    static Target resolve(String given, String what) throws VolportException {
        Path p;
        try {
            p = Path.of(given).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new VolportException(what + ": '" + given + "' is not a usable file name (" + e.getReason() + ")");
        }
        try {
            Kind kind;
            try {
                kind = kind(given, p, what); // follows symlinks, /proc/self/fd/N's to pipes included
            } catch (NoSuchFileException absent) {
                if (descriptor(p).isPresent()) {
                    // an inherited descriptor whose file is gone (an unlinked temporary file): write through it
                    return new Target(given, p, Kind.DESCRIPTOR);
                }
                return newFile(given, finalName(given, p, what), what);
            }
            if (kind == Kind.REGULAR && descriptor(p).isPresent()) {
                return new Target(given, p, Kind.DESCRIPTOR);
            }
            // A replaced file needs its real directory; a node written in place is opened by the name given when
            // it has no real path (/dev/stdout on a pipe: realpath fails on "pipe:[N]").
            Path path = kind == Kind.REGULAR ? p.toRealPath() : realOrSelf(p);
            if (kind == Kind.REGULAR) {
                // A rename could replace a file the user may not write; a shell's '>' would refuse it, so do we.
                try {
                    path.getFileSystem().provider().checkAccess(path, java.nio.file.AccessMode.WRITE);
                } catch (IOException e) {
                    throw new VolportException(what + ": cannot write '" + given + "': " + reason(e), e);
                }
            }
            return new Target(given, path, kind);
        } catch (VolportException e) {
            throw e;
        } catch (IOException e) {
            throw new VolportException(what + ": cannot open '" + given + "': " + reason(e), e);
        }
    }

    /**
     * The inherited descriptor {@code start} leads to, if it or a symlink on its way names one
     * ({@code /dev/stdout} is a link to {@code /proc/self/fd/1}).
     */
    static java.util.OptionalInt descriptor(Path start) {
        Path p = start.toAbsolutePath().normalize();
        for (int links = 0; links <= MAX_LINKS; links++) {
            var m = FD_LINK.matcher(p.toString());
            if (m.matches()) {
                return java.util.OptionalInt.of(Integer.parseInt(m.group(1)));
            }
            try {
                if (!Files.isSymbolicLink(p)) {
                    return java.util.OptionalInt.empty();
                }
                p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException | UnsupportedOperationException unreadable) {
                return java.util.OptionalInt.empty();
            }
        }
        return java.util.OptionalInt.empty();
    }

    /** Where a name that does not exist would be created: the end of its chain of symlinks, if it is one. */
    private static Path finalName(String given, Path start, String what) throws IOException {
        Path p = start;
        for (int links = 0; ; links++) {
            try {
                if (!Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isSymbolicLink()) {
                    return p;
                }
            } catch (NoSuchFileException e) {
                return p;
            }
            if (links == MAX_LINKS) {
                throw new VolportException(what + ": cannot open '" + given + "': too many levels of symbolic"
                        + " links");
            }
            p = p.getParent().resolve(Files.readSymbolicLink(p));
        }
    }

    private static Path realOrSelf(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException noRealPath) {
            return p;
        }
    }

    private static Target newFile(String given, Path p, String what) throws IOException {
        Path parent = p.getParent();
        Path realParent;
        try {
            realParent = parent.toRealPath();
        } catch (NoSuchFileException e) {
            throw new VolportException(what + ": cannot create '" + given + "': no such directory '" + parent + "'");
        }
        if (!Files.isDirectory(realParent)) {
            throw new VolportException(what + ": cannot create '" + given + "': '" + parent + "' is not a directory");
        }
        return new Target(given, realParent.resolve(p.getFileName()), Kind.NEW);
    }

    private static Kind kind(String given, Path p, String what) throws IOException {
        int type = (Integer) Files.getAttribute(p, "unix:mode") & 0170000;
        return switch (type) {
            case 0100000 -> Kind.REGULAR;
            case 0010000 -> Kind.FIFO;
            case 0020000 -> Kind.CHAR_DEVICE;
            case 0060000 -> Kind.BLOCK_DEVICE;
            case 0040000 -> throw new VolportException(what + ": cannot write into '" + given + "': it is a directory");
            default -> throw new VolportException(what + ": cannot write into '" + given + "': it is a socket");
        };
    }

    /**
     * Opens {@code target} for the stream: a new temporary file next to it, or the node itself for in-place kinds.
     * A FIFO's open waits for a reader, as a shell redirection does.
     */
    static OutputFile open(Target target, Linux linux, ShutdownGuard guard, Warnings warnings, String what)
            throws IOException {
        if (target.kind() == Kind.DESCRIPTOR) {
            return new OutputFile(target, descriptorChannel(target, what), null, linux, guard, warnings);
        }
        if (target.inPlace()) {
            try {
                // No O_CREAT, no O_TRUNC: a device or FIFO is written as it is, never replaced or emptied.
                FileChannel ch = FileChannel.open(target.path(), StandardOpenOption.WRITE);
                return new OutputFile(target, ch, null, linux, guard, warnings);
            } catch (IOException e) {
                throw new VolportException(what + ": cannot open '" + target.given() + "': " + reason(e), e);
            }
        }
        Path dir = target.path().getParent();
        long pid = ProcessHandle.current().pid();
        for (int n = 0; ; n++) {
            Path temp = dir.resolve(tempName(pid, n, target.path().getFileName().toString()));
            FileChannel ch;
            try {
                ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
            } catch (FileAlreadyExistsException taken) {
                if (n < 100) {
                    continue; // a leftover of a killed export with a reused pid: take the next name
                }
                throw new VolportException(what + ": cannot create a temporary file for '" + target.given()
                        + "' in '" + dir + "': too many leftovers named " + TEMP_PREFIX + pid + ".*");
            } catch (IOException e) {
                throw new VolportException(what + ": cannot create '" + target.given() + "': " + reason(e)
                        + " (in '" + dir + "')", e);
            }
            OutputFile out = new OutputFile(target, ch, temp, linux, guard, warnings);
            guard.add(out.undo);
            try {
                if (target.kind() == Kind.REGULAR) {
                    out.keepModeAndOwner();
                }
            } catch (IOException e) {
                out.close();
                throw new VolportException(what + ": cannot give the new '" + target.given() + "' the mode of the"
                        + " old one: " + reason(e), e);
            }
            return out;
        }
    }

    /**
     * A channel on the open file behind an inherited descriptor, as the descriptor would write: appending if it was
     * opened with {@code O_APPEND} ({@code >>}), else from its current offset; never truncated, created or replaced.
     */
    private static FileChannel descriptorChannel(Target target, String what) throws IOException {
        int fd = descriptor(target.path()).orElseThrow();
        if (fd == 1) {
            // stdout itself: the same open file, so its offset moves for the caller too ({ export; echo; } > f)
            return new java.io.FileOutputStream(java.io.FileDescriptor.out).getChannel();
        }
        if (fd == 2) {
            throw new VolportException(what + ": refusing to write the stream into '" + target.given()
                    + "': stderr carries progress and errors");
        }
        Path self = Path.of("/proc/self/fd/" + fd);
        try {
            long pos = 0;
            boolean append = false;
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
                if (line.startsWith("pos:")) {
                    pos = Long.parseLong(line.substring(4).strip());
                } else if (line.startsWith("flags:")) {
                    append = (Long.parseLong(line.substring(6).strip(), 8) & 02000) != 0; // O_APPEND
                }
            }
            if (append) {
                return FileChannel.open(self, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            FileChannel ch = FileChannel.open(self, StandardOpenOption.WRITE);
            return ch.position(pos);
        } catch (IOException e) {
            throw new VolportException(what + ": cannot write through '" + target.given() + "' (descriptor " + fd
                    + "): " + reason(e), e);
        }
    }

    /** {@code .volport-export.PID.N.NAME}, the name shortened (never below its first character) to fit NAME_MAX. */
    static String tempName(long pid, int n, String name) {
        String prefix = TEMP_PREFIX + pid + "." + n + ".";
        String s = name;
        while ((prefix + s).getBytes(StandardCharsets.UTF_8).length > NAME_MAX && s.length() > 1) {
            s = s.substring(0, s.offsetByCodePoints(s.length(), -1));
        }
        return prefix + s;
    }

    /** Copies the permission bits, and where allowed the owner and group, of the file being replaced. */
    private void keepModeAndOwner() throws IOException {
        PosixFileAttributes old = Files.readAttributes(target.path(), PosixFileAttributes.class);
        Files.setPosixFilePermissions(temp, old.permissions());
        PosixFileAttributeView mine = Files.getFileAttributeView(temp, PosixFileAttributeView.class,
                LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributes now = mine.readAttributes();
        try {
            if (!now.owner().equals(old.owner())) {
                mine.setOwner(old.owner());
            }
            if (!now.group().equals(old.group())) {
                mine.setGroup(old.group());
            }
        } catch (FileSystemException notPermitted) {
            // Documented fallback: only root may give a file away; the replacement then belongs to the exporter.
        }
    }

    FileChannel channel() {
        return channel;
    }

    Target target() {
        return target;
    }

    /**
     * Makes the stream final: for a replaced or new file, flushes the data, renames the temporary file over FILE
     * and flushes the directory; for a block device, flushes it; for a FIFO or character device, closes it.
     */
    void commit() throws IOException {
        if (temp != null) {
            channel.force(true);
            channel.close();
            if (target.kind() == Kind.NEW) {
                // FILE did not exist when the export began: never replace what appeared there since
                try {
                    linux.renameNoReplace(temp, target.path());
                } catch (LinuxCalls.SyscallException e) {
                    if (e.errno() == LinuxCalls.EEXIST) {
                        throw new VolportException("'" + target.given() + "' appeared while the export ran; the"
                                + " stream is not written over it");
                    }
                    throw e;
                }
            } else {
                Files.move(temp, target.path(), StandardCopyOption.ATOMIC_MOVE);
            }
            committed = true;
            guard.remove(undo);
            linux.fsyncDirectory(target.path().getParent());
        } else {
            if (target.kind() == Kind.BLOCK_DEVICE || target.kind() == Kind.DESCRIPTOR) {
                channel.force(true);
            }
            channel.close();
            committed = true;
        }
    }

    /** Closes the output; without a commit, removes the temporary file (FILE itself is never touched). */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (!committed && temp != null) {
                removeTemp();
                guard.remove(undo);
            }
        }
    }

    private void removeTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException e) {
            warnings.println("volport: cannot remove the temporary file '" + temp + "': " + reason(e));
        }
    }

    /** The cause of a failed file operation in words, without the path the JDK repeats. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        } else if (e instanceof AccessDeniedException) {
            return "permission denied";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            return lower(f.getReason());
        }
        return e.getMessage() == null ? "unknown cause" : lower(e.getMessage());
    }

    private static String lower(String s) {
        return s.isEmpty() ? s : Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }
}
