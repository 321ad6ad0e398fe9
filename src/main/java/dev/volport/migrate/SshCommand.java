package dev.volport.migrate;

import dev.volport.os.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The ssh command lines of a migration, as the reference's {@code ssh_info_to_command} builds them:
 * {@code ssh -e none -o BatchMode=yes [-o HostKeyAlias=…] [-c CIPHERS] root@HOST -- REMOTE…}.
 *
 * <p>ssh joins the remote words with spaces into one line for the remote shell, so every remote word is
 * single-quoted here: a volume name with a space or a shell character arrives as one argument, unchanged (the
 * reference leaves this to chance). The argv itself never passes through a local shell.
 */
public final class SshCommand {
    /**
     * The ciphers offered when the caller chose none and this CPU has AES instructions: AES-GCM first, because on
     * such CPUs it is the cheapest (4 GiB over loopback: 21 s against 30 s with OpenSSH's default
     * chacha20-poly1305), then OpenSSH's own defaults, so a server that lacks AES-GCM still agrees on one.
     */
    public static final String AES_FIRST = "aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
            + "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr";

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private SshCommand() {
    }

    /** The {@code -c} list to use for {@code host}: its own, none for {@code default}, else {@link #AES_FIRST}
     *  when the CPU has AES, else none. */
    public static List<String> cipherOptions(RemoteHost host) {
        String c = host.cipher().orElse(defaultCiphers());
        return c.isEmpty() || c.equals("default") ? List.of() : List.of("-c", c);
    }

    /** {@link #AES_FIRST} when {@code /proc/cpuinfo} shows the {@code aes} flag, else empty (ssh's default). */
    public static String defaultCiphers() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if ((line.startsWith("flags") || line.startsWith("Features"))
                        && (" " + line.substring(line.indexOf(':') + 1) + " ").contains(" aes ")) {
                    return AES_FIRST;
                }
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return "";
    }

    /** {@code SSH… -e none -o BatchMode=yes [-o HostKeyAlias=A] [-c CIPHERS]}: what every ssh of volport starts with. */
    static List<String> prefix(RemoteHost host) {
        List<String> argv = new ArrayList<>(host.ssh());
        argv.addAll(List.of("-e", "none", "-o", "BatchMode=yes"));
        host.hostKeyAlias().ifPresent(a -> argv.addAll(List.of("-o", "HostKeyAlias=" + a)));
        argv.addAll(cipherOptions(host));
        return argv;
    }

    /** The argv that runs {@code remote} (volport's words after the volport command) on {@code host}. */
    public static List<String> argv(RemoteHost host, List<String> remote) {
        List<String> argv = prefix(host);
        argv.add("root@" + host.host());
        argv.add("--");
        for (String w : host.volport()) {
            argv.add(w); // the caller's command for volport there, taken as the remote shell words it is
        }
        for (String w : remote) {
            argv.add(quote(w));
        }
        return argv;
    }

    /**
     * The argv of an ssh that runs nothing there but forwards the Unix socket {@code local} of this host to
     * {@code remote} on {@code host} ({@code -N -o ExitOnForwardFailure=yes -L LOCAL:REMOTE}).
     */
    public static List<String> forwardArgv(RemoteHost host, Path local, String remote) {
        List<String> argv = prefix(host);
        argv.addAll(List.of("-N", "-o", "ExitOnForwardFailure=yes", "-L", local + ":" + remote));
        argv.add("root@" + host.host());
        return argv;
    }

    /** {@link #argv} as a {@link Command}. */
    public static Command command(RemoteHost host, List<String> remote) {
        return Command.of(argv(host, remote));
    }

    /** One word for a POSIX shell: as it is when it holds nothing special, else in single quotes. */
    public static String quote(String word) {
        if (!word.isEmpty() && SAFE.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
