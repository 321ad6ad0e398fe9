package dev.volport.cli;

import dev.volport.VolportException;
import dev.volport.config.StorageConfig;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Turns failures into one line on stderr, {@code volport: } then what failed, on which volume or file, and why,
 * and the exit codes of DESIGN §6: 1 when an operation failed, 2 for a usage error.
 *
 * <p>An I/O failure is put in terms of the operation the user asked for ({@link Operation}): {@code import of
 * local:100/vm-100-disk-0.raw: } goes in front of a message that does not name the command's volume or storage
 * itself, nor the configuration file (then it is about that file, whatever the command). A file-system error the
 * JDK raised is shown as {@code 'FILE': reason} in plain words. Anything else is a programmer error: {@code internal
 * error}, with the stack trace when {@code VOLPORT_DEBUG} is set (which prints it for every failure).
 */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int FAILED = 1;
    static final int USAGE = 2;

    /**
     * A Java class name followed by a colon, as {@code Throwable.toString()} writes it into messages; removed as a
     * last resort, so that no message shows one even when a library put one there.
     */
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:java|javax|jdk|sun|picocli|dev\\.volport)(?:\\.[\\w$]+)*\\.[A-Z][\\w$]*(?:Exception|Error): ?");

    private final Context ctx;

    ErrorHandler(Context ctx) {
        this.ctx = ctx;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        PrintWriter err = cl.getErr();
        if (ctx.debug()) {
            t.printStackTrace(err);
        }
        if (t instanceof UsageException) {
            err.println("volport: " + oneLine(t.getMessage()) + hint(cl));
            err.flush();
            return USAGE;
        }
        String msg;
        if (t instanceof IOException io) {
            msg = Operation.of(cl, configFile()).qualify(describe(io));
        } else {
            msg = "internal error: " + t;
        }
        ctx.progressFailed(oneLine(msg));
        err.println("volport: " + oneLine(msg));
        err.flush();
        return FAILED;
    }

    /** The configuration file's name as its errors spell it, or {@code null} if there is none to name. */
    private String configFile() {
        try {
            return StorageConfig.locate(ctx.configOption, System.getenv()).toString();
        } catch (InvalidPathException e) {
            return null;
        }
    }

    /**
     * What an I/O failure means, in plain words: a volport message as it stands; a JDK file-system error as
     * {@code 'FILE': reason}; a wrapper whose message is only its cause's as that cause, and one that ends with
     * a file-system error's bare message (only the file, for a missing one) with the reason added; otherwise the
     * message with a capital first letter lowered ({@code Broken pipe} → {@code broken pipe}).
     */
    static String describe(Throwable t) {
        if (t instanceof FileSystemException f) {
            return fileProblem(f);
        }
        String msg = t.getMessage();
        Throwable cause = t.getCause();
        if (cause instanceof IOException && (msg == null || msg.equals(cause.toString()))) {
            return describe(cause);
        }
        if (msg != null && cause instanceof FileSystemException f && f.getMessage() != null
                && msg.endsWith(": " + f.getMessage())) {
            // "cannot lock F: " + e.getMessage() carries only the file of a JDK error, not why: say why
            String head = msg.substring(0, msg.length() - f.getMessage().length());
            return head + (f.getFile() != null && head.contains(f.getFile()) ? reason(f) : fileProblem(f));
        }
        if (t instanceof VolportException && msg != null && !msg.isBlank()) {
            return msg;
        }
        if (msg == null || msg.isBlank()) {
            return t instanceof EOFException ? "unexpected end of input" : "input/output error";
        }
        return plain(msg);
    }

    /** {@code 'FILE': reason} (or {@code 'FILE' -> 'OTHER': reason} for a two-file operation). */
    static String fileProblem(FileSystemException f) {
        String where = f.getFile() == null ? "" : "'" + f.getFile() + "'";
        if (f.getOtherFile() != null) {
            where += (where.isEmpty() ? "" : " -> ") + "'" + f.getOtherFile() + "'";
        }
        return where.isEmpty() ? reason(f) : where + ": " + reason(f);
    }

    /** Why a JDK file-system operation failed, in plain words ({@code no such file or directory}). */
    static String reason(FileSystemException f) {
        String reason = f.getReason() == null || f.getReason().isBlank() ? null : plain(f.getReason());
        String why = switch (f) {
            case NoSuchFileException e -> "no such file or directory";
            case AccessDeniedException e -> "permission denied";
            case FileAlreadyExistsException e -> "already exists";
            case NotDirectoryException e -> "not a directory";
            case DirectoryNotEmptyException e -> "directory not empty";
            case NotLinkException e -> "not a symbolic link";
            case FileSystemLoopException e -> "a loop of symbolic links";
            default -> reason == null ? "input/output error" : reason;
        };
        return reason != null && !why.equalsIgnoreCase(reason) ? why + " (" + reason + ")" : why;
    }

    /** Parse errors: one line with the message, picocli's suggestions, and where to find help. */
    static int usage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        PrintWriter err = cl.getErr();
        String msg;
        ArgSpec arg = ex.getArgSpec();
        if (ex.getCause() instanceof Converters.BadValue bad) {
            // our converters name the value and say why; an option's name says which one it was
            msg = (arg instanceof OptionSpec o ? o.longestName() + ": " : "") + bad.getMessage();
        } else if (ex instanceof CommandLine.UnmatchedArgumentException u && cl.getParent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().getFirst().startsWith("-")) {
            msg = "unknown command '" + u.getUnmatched().getFirst() + "'";
        } else {
            // picocli's help command says "subcommand" where the rest of volport says "command"
            msg = plain(ex.getMessage()).replace("unknown subcommand '", "unknown command '");
        }
        String suggest = "";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
            suggest = "; did you mean " + String.join(" or ", u.getSuggestions()) + "?";
        }
        err.println("volport: " + oneLine(msg) + suggest + hint(cl));
        err.flush();
        return USAGE;
    }

    private static String hint(CommandLine cl) {
        return " (see '" + cl.getCommandSpec().qualifiedName() + " --help')";
    }

    /** {@code s} on one line, without Java class names. */
    static String oneLine(String s) {
        return s == null ? "" : CLASS_NAME.matcher(s.strip().replace('\n', ' ').replace('\r', ' ')).replaceAll("");
    }

    /**
     * A system's or library's sentence as a part of ours: the first letter lowered unless it starts a word in
     * capitals ({@code Is a directory} → {@code is a directory}, {@code EOF} stays), a final period dropped.
     */
    static String plain(String s) {
        String r = s.strip();
        if (r.endsWith(".") && !r.endsWith("..")) {
            r = r.substring(0, r.length() - 1);
        }
        if (r.length() > 1 && Character.isUpperCase(r.charAt(0)) && !Character.isUpperCase(r.charAt(1))) {
            r = r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
        }
        return r;
    }

    /**
     * The operation a command line asked for, as errors name it: the command and its main argument
     * ({@code import of local:100/vm-100-disk-0.raw}, {@code alloc on local}, {@code status}).
     *
     * @param description how errors name the operation, {@code null} for the root command
     * @param mentions texts of which any one in a message means the message already names the operation's
     *        volume or storage, or the configuration file
     */
    record Operation(String command, String description, List<String> mentions) {
        static Operation of(CommandLine cl, String configFile) {
            CommandLine.Model.CommandSpec spec = cl.getCommandSpec();
            if (cl.getParent() == null) {
                return new Operation(spec.name(), null, List.of());
            }
            String name = spec.name();
            List<String> mentions = new ArrayList<>();
            if (configFile != null) {
                mentions.add(configFile); // a configuration error: about the file, whatever the command
            }
            String firstVolume = null;
            for (var p : cl.getParseResult().matchedPositionals()) {
                List<String> typed = p.originalStringValues();
                String label = p.paramLabel();
                if (typed.isEmpty() || !(label.endsWith("VOLID") || label.equals("STOREID"))) {
                    continue;
                }
                String value = String.valueOf((Object) p.getValue());
                if (label.endsWith("VOLID")) { // VOLID, or SRC-VOLID and DST-VOLID of copy: any of them may be named
                    mentions.add(typed.getFirst());
                    mentions.add(value);
                    firstVolume = firstVolume == null ? value : firstVolume;
                    continue;
                }
                if (firstVolume != null) {
                    continue;
                }
                mentions.add("'" + value + "'");
                mentions.add(value + ":");
                return new Operation(name, name + (name.equals("alloc") ? " on " : " of ") + value,
                        List.copyOf(mentions));
            }
            return new Operation(name, firstVolume == null ? name : name + " of " + firstVolume,
                    List.copyOf(mentions));
        }

        /**
         * {@code message} naming this operation: as it is if it already names the volume or storage, with
         * a leading {@code COMMAND: } replaced by the description, else with the description in front.
         */
        String qualify(String message) {
            if (description == null || mentions.stream().anyMatch(message::contains)) {
                return message;
            }
            if (message.startsWith(command + ": ")) {
                return description + message.substring(command.length());
            }
            return description + ": " + message;
        }
    }
}
