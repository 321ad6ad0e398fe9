package dev.volport.os;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The C library as the FFM API sees it, shared by {@link LinuxCalls} and {@link FileMetadataCalls}: the linker,
 * the symbol lookup and the {@code errno} capture. Loaded on the first native call only (it costs generated
 * classes), never by a command that makes none.
 */
final class Libc {
    static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    /** Layout of the call state a downcall bound with {@link #bind} fills in. */
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    /** {@code errno} inside {@link #CAPTURE}. */
    static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    private Libc() {
    }

    /** A downcall to {@code name} whose first argument is the call-state segment receiving {@code errno}. */
    static MethodHandle bind(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(find(name), fd, CAPTURE_ERRNO);
    }

    /** A downcall to {@code name} without {@code errno} capture, with extra linker options (e.g. variadics). */
    static MethodHandle bindPlain(String name, FunctionDescriptor fd, Linker.Option... options) {
        return LINKER.downcallHandle(find(name), fd, options);
    }

    private static java.lang.foreign.MemorySegment find(String name) {
        return LOOKUP.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name));
    }
}
