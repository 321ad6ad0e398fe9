package dev.volport.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.volport.storage.StorageException;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How {@link ErrorHandler} words failures: file-system errors, wrappers, the operation in front, class names. */
class ErrorHandlerTest {
    @Test
    void fileSystemErrorsBecomeFileAndReasonInPlainWords() {
        assertThat(ErrorHandler.describe(new NoSuchFileException("/a/b")))
                .isEqualTo("'/a/b': no such file or directory");
        assertThat(ErrorHandler.describe(new AccessDeniedException("/a"))).isEqualTo("'/a': permission denied");
        assertThat(ErrorHandler.describe(new FileAlreadyExistsException("/a"))).isEqualTo("'/a': already exists");
        assertThat(ErrorHandler.describe(new NotDirectoryException("/a"))).isEqualTo("'/a': not a directory");
        assertThat(ErrorHandler.describe(new DirectoryNotEmptyException("/d"))).isEqualTo("'/d': directory not empty");
        assertThat(ErrorHandler.describe(new FileSystemException("/a", null, "No space left on device")))
                .isEqualTo("'/a': no space left on device");
        assertThat(ErrorHandler.describe(new FileSystemException("/a", null, "Read-only file system")))
                .isEqualTo("'/a': read-only file system");
        assertThat(ErrorHandler.describe(new AtomicMoveNotSupportedException("/a", "/b", "Invalid cross-device link")))
                .isEqualTo("'/a' -> '/b': invalid cross-device link");
        assertThat(ErrorHandler.describe(new AccessDeniedException("/a", null, "read-only mount")))
                .isEqualTo("'/a': permission denied (read-only mount)");
        assertThat(ErrorHandler.describe(new FileSystemException(null, null, null))).isEqualTo("input/output error");
    }

    @Test
    void wrappersAndBareMessagesAreSpelledOut() {
        NoSuchFileException missing = new NoSuchFileException("/s/.volport.lock");
        assertThat(ErrorHandler.describe(new IOException("cannot lock /s/.volport.lock: /s/.volport.lock", missing)))
                .isEqualTo("cannot lock /s/.volport.lock: no such file or directory");
        assertThat(ErrorHandler.describe(new IOException("cannot lock 'store': /s/.volport.lock", missing)))
                .isEqualTo("cannot lock 'store': '/s/.volport.lock': no such file or directory");
        assertThat(ErrorHandler.describe(new IOException(missing))).isEqualTo("'/s/.volport.lock': no such file"
                + " or directory");
        assertThat(ErrorHandler.describe(new IOException("Broken pipe"))).isEqualTo("broken pipe");
        assertThat(ErrorHandler.describe(new IOException("EOF in header"))).isEqualTo("EOF in header");
        assertThat(ErrorHandler.describe(new EOFException())).isEqualTo("unexpected end of input");
        assertThat(ErrorHandler.describe(new IOException())).isEqualTo("input/output error");
        // a volport message is the user's already: kept as it is
        assertThat(ErrorHandler.describe(new StorageException("Storage 'x' is full.")))
                .isEqualTo("Storage 'x' is full.");
    }

    @Test
    void javaClassNamesNeverReachTheUser() {
        assertThat(ErrorHandler.oneLine("reading: java.io.IOException: Is a directory"))
                .isEqualTo("reading: Is a directory");
        assertThat(ErrorHandler.oneLine("x: java.nio.file.NoSuchFileException: /f\nmore"))
                .isEqualTo("x: /f more");
        assertThat(ErrorHandler.oneLine("dev.volport.format.FormatException: bad header")).isEqualTo("bad header");
        assertThat(ErrorHandler.oneLine("volume java.raw: IOException-like words stay"))
                .isEqualTo("volume java.raw: IOException-like words stay");
    }

    @Test
    void theOperationIsPutInFrontOnceAndOnlyWhereTheMessageDoesNotSayIt() {
        var imp = new ErrorHandler.Operation("import", "import of local:100/vm-100-disk-0.raw",
                List.of("/etc/volport/storage.cfg", "local:100/vm-100-disk-0.raw"));
        assertThat(imp.qualify("format raw+size cannot be imported with snapshots"))
                .isEqualTo("import of local:100/vm-100-disk-0.raw: format raw+size cannot be imported with snapshots");
        assertThat(imp.qualify("import: bad size header: short read"))
                .isEqualTo("import of local:100/vm-100-disk-0.raw: bad size header: short read");
        assertThat(imp.qualify("import into local:100/vm-100-disk-0.raw failed: disk full"))
                .isEqualTo("import into local:100/vm-100-disk-0.raw failed: disk full");
        assertThat(imp.qualify("/etc/volport/storage.cfg:3: unknown property 'x'"))
                .isEqualTo("/etc/volport/storage.cfg:3: unknown property 'x'");
        var root = new ErrorHandler.Operation("volport", null, List.of());
        assertThat(root.qualify("anything")).isEqualTo("anything");
    }

    @Test
    void theOperationComesFromTheCommandLine() {
        CommandLine cl = new CommandLine(new VolportCommand(context()));
        VolportCommand.register(cl, new String[] {"alloc"});
        VolportCommand.register(cl, new String[] {"info"});
        cl.parseArgs("alloc", "local", "100", "", "1G");
        var alloc = ErrorHandler.Operation.of(cl.getSubcommands().get("alloc"), "/c.cfg");
        assertThat(alloc.qualify("disk image '/x' already exists")).isEqualTo("alloc on local: disk image '/x' already"
                + " exists");
        assertThat(alloc.qualify("storage 'local' is disabled")).isEqualTo("storage 'local' is disabled");
        cl.parseArgs("info", "local:100/vm-100-disk-0.raw");
        var info = ErrorHandler.Operation.of(cl.getSubcommands().get("info"), "/c.cfg");
        assertThat(info.qualify("storage 'local' is disabled"))
                .isEqualTo("info of local:100/vm-100-disk-0.raw: storage 'local' is disabled");
        assertThat(info.qualify("/c.cfg: larger than 1048576 bytes")).isEqualTo("/c.cfg: larger than 1048576 bytes");
    }

    @Test
    void programmerErrorsStayInternalErrors() {
        CommandLine cl = new CommandLine(new VolportCommand(context()));
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = new ErrorHandler(context()).handleExecutionException(new IllegalStateException("broken"), cl,
                null);
        assertThat(exit).isEqualTo(ErrorHandler.FAILED);
        assertThat(err.toString()).startsWith("volport: internal error: ").contains("broken");
    }

    private static Context context() {
        return new Context(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    }
}
