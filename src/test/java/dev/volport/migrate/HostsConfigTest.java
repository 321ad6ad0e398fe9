package dev.volport.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.volport.VolportException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HostsConfigTest {
    @Test
    void sectionsPerHostAndDefaultsForTheRest() throws Exception {
        HostsConfig c = HostsConfig.parse("""
                # how to reach the other nodes
                host: node2
                \tssh ssh -i /root/.ssh/m -p 2222
                \tvolport /opt/volport/bin/volport
                \tcipher default
                \thost-key-alias n2

                host: 10.0.0.3
                \tvolport volport --config /etc/other.cfg
                """, "hosts.cfg");
        assertThat(c.names()).containsExactly("node2", "10.0.0.3");
        assertThat(c.host("node2")).isEqualTo(new RemoteHost("node2", List.of("ssh", "-i", "/root/.ssh/m", "-p",
                "2222"), Optional.of("n2"), Optional.of("default"), List.of("/opt/volport/bin/volport")));
        assertThat(c.host("10.0.0.3").volport()).containsExactly("volport", "--config", "/etc/other.cfg");
        assertThat(c.host("10.0.0.3").ssh()).containsExactly("ssh");
        assertThat(c.host("elsewhere")).isEqualTo(RemoteHost.of("elsewhere"));
    }

    @Test
    void mistakesNameTheLine() {
        assertThatThrownBy(() -> HostsConfig.parse("host: a\n\tsssh x\n", "h.cfg"))
                .isInstanceOf(VolportException.class)
                .hasMessage("h.cfg:2: unknown property 'sssh' for a host (ssh, volport, cipher, host-key-alias)");
        assertThatThrownBy(() -> HostsConfig.parse("\tssh x\n", "h.cfg"))
                .hasMessage("h.cfg:1: a property outside a 'host:' section");
        assertThatThrownBy(() -> HostsConfig.parse("node: a\n", "h.cfg"))
                .hasMessage("h.cfg:1: expected 'host: NAME', got 'node: a'");
        assertThatThrownBy(() -> HostsConfig.parse("host: -oProxyCommand=x\n", "h.cfg"))
                .hasMessage("h.cfg:1: invalid host name '-oProxyCommand=x'");
    }
}
