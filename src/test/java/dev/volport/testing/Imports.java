package dev.volport.testing;

import dev.volport.format.StreamFormat;
import dev.volport.io.Progress;
import dev.volport.os.Linux;
import dev.volport.os.LinuxCalls;
import dev.volport.os.ShutdownGuard;
import dev.volport.storage.Storage;
import dev.volport.storage.StorageEnvironment;
import dev.volport.storage.TransferOptions;
import dev.volport.transfer.ImportTransaction;
import dev.volport.volume.VolumeId;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;

/** Runs imports in unit tests the way the CLI does: the name parsed once by the storage, then the transaction. */
public final class Imports {
    private static final StorageEnvironment ENV =
            new StorageEnvironment(Linux.system(), new ShutdownGuard(), System.err::println);

    private Imports() {
    }

    public static VolumeId run(Storage storage, String volname, StreamFormat format, TransferOptions options,
            ReadableByteChannel in, Progress progress) throws IOException {
        return new ImportTransaction(ENV).run(storage, storage.parseName(volname), format, options, in, progress);
    }
}
