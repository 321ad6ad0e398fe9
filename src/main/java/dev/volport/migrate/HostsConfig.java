package dev.volport.migrate;

import dev.volport.VolportException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to reach each other host, in the style of {@code storage.cfg}: a section {@code host: NAME}, then indented
 * properties, a blank line between sections, {@code #} comments.
 *
 * <pre>
 * host: node2
 * 	ssh ssh -i /root/.ssh/migrate -p 2222
 * 	volport /opt/volport/bin/volport
 * 	cipher aes256-gcm@openssh.com
 * 	host-key-alias node2
 * </pre>
 *
 * {@code ssh}: the ssh program and the caller's own options (split at blanks; volport adds {@code -e none
 * -o BatchMode=yes …}). {@code volport}: the command that runs volport there. {@code cipher}: the {@code -c} list,
 * {@code default} for ssh's own choice. A host not listed gets {@link RemoteHost#of}. Unknown properties and
 * malformed lines are errors naming the file and line.
 */
public final class HostsConfig {
    private final Map<String, RemoteHost> hosts;

    private HostsConfig(Map<String, RemoteHost> hosts) {
        this.hosts = hosts;
    }

    /** No hosts configured. */
    public static HostsConfig empty() {
        return new HostsConfig(Map.of());
    }

    /** Reads {@code file}; a file that does not exist is {@link #empty()}. */
    public static HostsConfig load(Path file) throws VolportException {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (NoSuchFileException e) {
            return empty();
        } catch (IOException e) {
            throw new VolportException("cannot read '" + file + "': " + Messages.reason(e), e);
        }
    }

    /** Parses {@code text}; {@code source} names it in errors. */
    public static HostsConfig parse(String text, String source) throws VolportException {
        Map<String, RemoteHost> out = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        RemoteHost current = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String where = source + ":" + (i + 1) + ": ";
            if (line.isBlank()) {
                if (current != null) {
                    out.put(current.host(), current);
                }
                current = null;
                continue;
            }
            if (line.strip().startsWith("#")) {
                continue;
            }
            if (!Character.isWhitespace(line.charAt(0))) {
                if (current != null) {
                    out.put(current.host(), current);
                }
                if (!line.startsWith("host:")) {
                    throw new VolportException(where + "expected 'host: NAME', got '" + line.strip() + "'");
                }
                current = host(line.substring(5).strip(), where);
                if (out.containsKey(current.host())) {
                    throw new VolportException(where + "host '" + current.host() + "' is listed twice");
                }
                continue;
            }
            if (current == null) {
                throw new VolportException(where + "a property outside a 'host:' section");
            }
            String[] kv = line.strip().split("\\s+", 2);
            if (kv.length < 2) {
                throw new VolportException(where + "property '" + kv[0] + "' has no value");
            }
            List<String> words = Arrays.asList(kv[1].split("\\s+"));
            current = switch (kv[0]) {
                case "ssh" -> new RemoteHost(current.host(), words, current.hostKeyAlias(), current.cipher(),
                        current.volport());
                case "volport" -> new RemoteHost(current.host(), current.ssh(), current.hostKeyAlias(),
                        current.cipher(), words);
                case "cipher" -> new RemoteHost(current.host(), current.ssh(), current.hostKeyAlias(),
                        Optional.of(kv[1]), current.volport());
                case "host-key-alias" -> new RemoteHost(current.host(), current.ssh(), Optional.of(kv[1]),
                        current.cipher(), current.volport());
                default -> throw new VolportException(where + "unknown property '" + kv[0] + "' for a host"
                        + " (ssh, volport, cipher, host-key-alias)");
            };
        }
        if (current != null) {
            out.put(current.host(), current);
        }
        return new HostsConfig(out);
    }

    private static RemoteHost host(String name, String where) throws VolportException {
        try {
            return RemoteHost.of(name);
        } catch (IllegalArgumentException e) {
            throw new VolportException(where + e.getMessage());
        }
    }

    /** How to reach {@code host}: its section, else the defaults. */
    public RemoteHost host(String host) {
        return hosts.getOrDefault(host, RemoteHost.of(host));
    }

    /** The configured host names, in file order. */
    public List<String> names() {
        return new ArrayList<>(hosts.keySet());
    }
}
