package dev.volport.migrate;

import dev.volport.VolportException;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The receiving end of {@code import … tcp://IP[/CIDR]} and {@code import … unix://PATH}, as {@code pvesm import}
 * does it ({@code pve-storage.md} §2), so that the reference's own sender can feed volport:
 *
 * <ul>
 * <li>{@code tcp://IP}: listens on {@code IP} at the first free port of 60000–60049; {@code tcp://NET/PREFIX}
 *     listens on the one local address inside that network (none or several is the reference's error). The
 *     readiness lines are {@code IP\nPORT\n}.</li>
 * <li>{@code unix://PATH}: listens on a new Unix socket at {@code PATH} (an existing file is refused, never
 *     replaced) and prints {@code ready\n}; the socket file is removed when the receiver is closed.</li>
 * </ul>
 *
 * One connection is accepted within {@link #ACCEPT_TIMEOUT} ({@code timed out waiting for client}), then the
 * listening socket is closed; the connection is read until the sender half-closes it.
 */
public final class SocketReceiver implements AutoCloseable {
    /** The reference's ports for migration streams, inclusive. */
    public static final int FIRST_PORT = 60000;
    public static final int LAST_PORT = 60049;
    /** How long the receiver waits for its one client, as the reference's {@code alarm 30}. */
    public static final Duration ACCEPT_TIMEOUT = Duration.ofSeconds(30);

    private static final Pattern TCP = Pattern.compile("tcp://(([^/]+)(/\\d+)?)");

    private final ServerSocketChannel server;
    private final Path unixPath;
    private final String readiness;

    private SocketReceiver(ServerSocketChannel server, Path unixPath, String readiness) {
        this.server = server;
        this.unixPath = unixPath;
        this.readiness = readiness;
    }

    /** Whether {@code file} names a socket endpoint rather than a file or {@code -}. */
    public static boolean isEndpoint(String file) {
        return file.startsWith("tcp://") || file.startsWith("unix://");
    }

    /**
     * Starts listening on {@code endpoint} ({@code tcp://…} or {@code unix://…}).
     *
     * @throws VolportException naming the endpoint and why it cannot listen there
     */
    public static SocketReceiver listen(String endpoint) throws VolportException {
        if (endpoint.startsWith("unix://")) {
            return listenUnix(Path.of(endpoint.substring("unix://".length())));
        }
        Matcher m = TCP.matcher(endpoint);
        if (!m.matches()) {
            throw new VolportException("invalid endpoint '" + endpoint + "': expected tcp://IP or tcp://NET/PREFIX");
        }
        InetAddress ip = m.group(3) == null ? literal(m.group(2), endpoint) : localAddressIn(m.group(1));
        return listenTcp(ip);
    }

    /** The lines to print once listening: {@code IP\nPORT\n} or {@code ready\n}. */
    public String readiness() {
        return readiness;
    }

    /**
     * Waits for the one client and returns its connection (blocking); the listening socket is closed either way.
     *
     * @throws VolportException {@code timed out waiting for client} after {@code timeout}
     */
    public SocketChannel accept(Duration timeout) throws IOException {
        try (server; Selector selector = Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new VolportException("timed out waiting for client");
                }
                selector.select(Math.max(1, left / 1_000_000));
                SocketChannel client = server.accept();
                if (client != null) {
                    client.configureBlocking(true);
                    return client;
                }
            }
        } finally {
            removeSocketFile();
        }
    }

    @Override
    public void close() throws IOException {
        try {
            server.close();
        } finally {
            removeSocketFile();
        }
    }

    private void removeSocketFile() throws IOException {
        if (unixPath != null) {
            Files.deleteIfExists(unixPath); // the socket this receiver created, nothing else
        }
    }

    private static SocketReceiver listenUnix(Path path) throws VolportException {
        if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new VolportException("failed to open socket: '" + path + "' already exists");
        }
        try {
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                s.bind(UnixDomainSocketAddress.of(path), 1);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            return new SocketReceiver(s, path, "ready\n");
        } catch (IOException e) {
            throw new VolportException("failed to open socket '" + path + "': " + Messages.reason(e), e);
        }
    }

    private static SocketReceiver listenTcp(InetAddress ip) throws VolportException {
        String shown = ip.getHostAddress();
        for (int port = FIRST_PORT; port <= LAST_PORT; port++) {
            ServerSocketChannel s = null;
            try {
                s = ServerSocketChannel.open();
                s.bind(new InetSocketAddress(ip, port), 1);
                return new SocketReceiver(s, null, shown + "\n" + port + "\n");
            } catch (BindException e) {
                closeQuietly(s);
                if (!"Address already in use".equals(e.getMessage())) {
                    throw new VolportException("failed to open socket on " + shown + ": " + Messages.reason(e), e);
                }
            } catch (IOException e) {
                closeQuietly(s);
                throw new VolportException("failed to open socket on " + shown + ": " + Messages.reason(e), e);
            }
        }
        throw new VolportException("failed to open socket on " + shown + ": every port from " + FIRST_PORT + " to "
                + LAST_PORT + " is in use");
    }

    private static void closeQuietly(ServerSocketChannel s) {
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing was bound
            }
        }
    }

    /** An IP literal (never a host name: nothing is looked up). */
    private static InetAddress literal(String text, String endpoint) throws VolportException {
        String bare = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        if (!bare.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
            throw new VolportException("invalid endpoint '" + endpoint + "': '" + text + "' is not an IP address");
        }
        try {
            return InetAddress.getByName(bare);
        } catch (UnknownHostException e) {
            throw new VolportException("invalid endpoint '" + endpoint + "': '" + text + "' is not an IP address");
        }
    }

    /**
     * The one local address inside {@code cidr}, as the reference's {@code get_local_ip_from_cidr}.
     *
     * @throws VolportException with the reference's words when there is none or more than one
     */
    static InetAddress localAddressIn(String cidr) throws VolportException {
        int slash = cidr.indexOf('/');
        InetAddress net = literal(cidr.substring(0, slash), "tcp://" + cidr);
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        int bits = net.getAddress().length * 8;
        if (prefix > bits) {
            throw new VolportException("invalid network '" + cidr + "': prefix longer than " + bits + " bits");
        }
        List<InetAddress> hits = new ArrayList<>();
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InterfaceAddress a : nic.getInterfaceAddresses()) {
                    InetAddress addr = a.getAddress();
                    if (addr.getClass() == net.getClass() && sameNetwork(addr, net, prefix)
                            && !hits.contains(addr)) {
                        hits.add(addr);
                    }
                }
            }
        } catch (IOException e) {
            throw new VolportException("cannot list the local addresses: " + Messages.reason(e), e);
        }
        if (hits.isEmpty()) {
            throw new VolportException("Unable to get any local IP address in network '" + cidr + "'");
        }
        if (hits.size() > 1) {
            throw new VolportException("Got multiple local IP address in network '" + cidr + "'");
        }
        return hits.getFirst();
    }

    private static boolean sameNetwork(InetAddress a, InetAddress net, int prefix) {
        byte[] x = a.getAddress();
        byte[] y = net.getAddress();
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

}
