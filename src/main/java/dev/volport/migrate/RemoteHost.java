package dev.volport.migrate;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Another host, reached over ssh, with everything the ssh command line needs.
 *
 * @param host         the host name or address ssh connects to (as {@code root@HOST})
 * @param ssh          the ssh program and options of the caller's own, before volport's ({@code ssh} by default;
 *                     e.g. {@code ssh -i KEY -p 2222}); configurable per host
 * @param hostKeyAlias {@code -o HostKeyAlias=…} (the reference passes the node's name), or none
 * @param cipher       the {@code -c} cipher list: empty for volport's choice ({@link SshCommand#defaultCiphers}),
 *                     or the caller's list ({@code "default"} leaves ssh's own choice)
 * @param volport      the command that runs volport on that host ({@code volport} on its {@code PATH} by default)
 */
public record RemoteHost(String host, List<String> ssh, Optional<String> hostKeyAlias, Optional<String> cipher,
        List<String> volport) {
    public RemoteHost {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.startsWith("-") || host.chars().anyMatch(c -> c <= ' ' || c == '@')) {
            throw new IllegalArgumentException("invalid host name '" + host + "'");
        }
        ssh = List.copyOf(ssh);
        if (ssh.isEmpty()) {
            throw new IllegalArgumentException("the ssh command of host '" + host + "' is empty");
        }
        Objects.requireNonNull(hostKeyAlias, "hostKeyAlias");
        Objects.requireNonNull(cipher, "cipher");
        volport = List.copyOf(volport);
        if (volport.isEmpty()) {
            throw new IllegalArgumentException("the volport command of host '" + host + "' is empty");
        }
    }

    /** {@code host} with the defaults: {@code ssh}, no alias, volport's cipher choice, {@code volport}. */
    public static RemoteHost of(String host) {
        return new RemoteHost(host, List.of("ssh"), Optional.empty(), Optional.empty(), List.of("volport"));
    }

    /** This host with the {@code -c} list {@code ciphers} ({@code default}: ssh's own choice). */
    public RemoteHost withCipher(String ciphers) {
        return new RemoteHost(host, ssh, hostKeyAlias, Optional.of(ciphers), volport);
    }
}
