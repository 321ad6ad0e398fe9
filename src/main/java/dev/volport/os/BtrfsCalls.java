package dev.volport.os;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The two btrfs ioctls the btrfs storage needs and {@code btrfs-progs} has no command for: reading a received
 * subvolume's identity ({@code BTRFS_IOC_GET_SUBVOL_INFO}) and giving it back after a move
 * ({@code BTRFS_IOC_SET_RECEIVED_SUBVOL}). A read-only subvolume moves to another directory only while writable,
 * and making a received one writable ({@code btrfs property set -f … ro false}) clears its received UUID, by which
 * the next incremental {@code btrfs receive} finds its parent; restoring it keeps incremental streams working on
 * the imported volume. Layouts from {@code linux/btrfs.h}, the same on every 64-bit architecture.
 */
public final class BtrfsCalls {
    private static final int O_RDONLY = 0;
    private static final int O_DIRECTORY = 0200000;
    private static final int O_CLOEXEC = 02000000;
    /** {@code _IOR(0x94, 60, struct btrfs_ioctl_get_subvol_info_args)}, 504 bytes. */
    private static final long GET_SUBVOL_INFO = 0x81F8943CL;
    private static final long GET_INFO_SIZE = 504;
    private static final long INFO_RECEIVED_UUID = 328;
    private static final long INFO_STRANSID = 360;
    private static final long INFO_STIME = 408;
    /** {@code _IOWR(0x94, 37, struct btrfs_ioctl_received_subvol_args)}, 200 bytes. */
    private static final long SET_RECEIVED_SUBVOL = 0xC0C89425L;
    private static final long SET_SIZE = 200;
    private static final long SET_STRANSID = 16;
    private static final long SET_STIME = 32;

    /**
     * What makes a subvolume "received": the UUID of the subvolume it was sent from, that one's transaction id,
     * and when it was sent. All zero for a subvolume that was not received.
     */
    public record Received(byte[] uuid, long stransid, long stimeSeconds, int stimeNanos) {
        public Received {
            if (uuid.length != 16) {
                throw new IllegalArgumentException("a btrfs UUID has 16 bytes, not " + uuid.length);
            }
            uuid = uuid.clone();
        }

        @Override
        public byte[] uuid() {
            return uuid.clone();
        }

        /** Whether the subvolume was received at all. */
        public boolean present() {
            return !Arrays.equals(uuid, new byte[16]);
        }

        @Override
        public String toString() {
            return "Received[" + HexFormat.of().formatHex(uuid) + ", stransid " + stransid + "]";
        }
    }

    private static final class Ioctl {
        static final MethodHandle H = Libc.LINKER.downcallHandle(
                Libc.LOOKUP.find("ioctl").orElseThrow(() -> new UnsatisfiedLinkError("ioctl")),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS),
                Linker.Option.captureCallState("errno"), Linker.Option.firstVariadicArg(2));
    }

    private static final class Open {
        static final MethodHandle H = Libc.bind("open", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private static final class Close {
        static final MethodHandle H = Libc.bindPlain("close",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    /** The received identity of the subvolume whose top directory is {@code subvolume}. */
    public Received received(Path subvolume) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment args = arena.allocate(GET_INFO_SIZE, 8);
            ioctl(arena, subvolume, GET_SUBVOL_INFO, args, "read the subvolume information of");
            return new Received(args.asSlice(INFO_RECEIVED_UUID, 16).toArray(ValueLayout.JAVA_BYTE),
                    args.get(ValueLayout.JAVA_LONG, INFO_STRANSID), args.get(ValueLayout.JAVA_LONG, INFO_STIME),
                    args.get(ValueLayout.JAVA_INT, INFO_STIME + 8));
        }
    }

    /** Marks the (writable) subvolume {@code subvolume} as received with {@code received}'s identity. */
    public void setReceived(Path subvolume, Received received) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment args = arena.allocate(SET_SIZE, 8);
            args.asSlice(0, 16).copyFrom(MemorySegment.ofArray(received.uuid()));
            args.set(ValueLayout.JAVA_LONG, SET_STRANSID, received.stransid());
            args.set(ValueLayout.JAVA_LONG, SET_STIME, received.stimeSeconds());
            args.set(ValueLayout.JAVA_INT, SET_STIME + 8, received.stimeNanos());
            ioctl(arena, subvolume, SET_RECEIVED_SUBVOL, args, "set the received identity of");
        }
    }

    private static void ioctl(Arena arena, Path dir, long request, MemorySegment args, String what)
            throws IOException {
        MemorySegment state = arena.allocate(Libc.CAPTURE);
        int fd;
        try {
            fd = (int) Open.H.invokeExact(state, arena.allocateFrom(dir.toString()),
                    O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (fd < 0) {
            throw failure("cannot open '" + dir + "'", state);
        }
        try {
            int rc;
            try {
                rc = (int) Ioctl.H.invokeExact(state, fd, request, args);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
            if (rc < 0) {
                throw failure("cannot " + what + " '" + dir + "'", state);
            }
        } finally {
            try {
                int ignored = (int) Close.H.invokeExact(fd);
            } catch (Throwable t) {
                throw new AssertionError(t);
            }
        }
    }

    private static LinuxCalls.SyscallException failure(String what, MemorySegment state) {
        int errno = (int) Libc.ERRNO.get(state, 0L);
        return new LinuxCalls.SyscallException(what + ": "
                + LinuxCalls.strerror(errno).toLowerCase(java.util.Locale.ROOT), errno);
    }
}
