package dev.lifeline.testing;

import dev.lifeline.os.Shell;
import dev.lifeline.testing.Netns.Reach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.lifeline.testing.Netns.ALLOWED_V4;
import static dev.lifeline.testing.Netns.SERVER_V4;
import static dev.lifeline.testing.Netns.SERVER_V6;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The namespace harness itself: a real network, real connections, and a host left exactly as it was. */
class NetnsTest {
    private static final int PORT = 11434;

    @BeforeAll
    static void needsRoot() {
        assumeTrue(Netns.available(), Netns.unavailableReason());
    }

    @Test
    void clientsReachTheServerOverIpv4AndIpv6AndSeeRefusalsAndDrops() {
        HostSnapshot before = HostSnapshot.take();
        String id;
        try (Netns net = Netns.create()) {
            net.startHttp(PORT); // stopped by close()
            id = net.id();
            assertThat(Shell.local().run("ip", "netns", "list").stdout()).contains(net.server(), net.allowed());
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
            assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.OPEN);
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT + 1)).as("nothing listens").isEqualTo(Reach.REFUSED);

            net.nft("""
                    table inet t {
                      chain input {
                        type filter hook input priority 0; policy accept;
                        ip saddr %s accept
                        tcp dport %d drop
                      }
                    }
                    """.formatted(ALLOWED_V4, PORT));
            assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.TIMEOUT);
            assertThat(net.connect(net.allowed(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
            assertThat(net.connect(net.denied(), SERVER_V6, PORT)).isEqualTo(Reach.TIMEOUT);
            net.flushServerRules();
            assertThat(net.connect(net.denied(), SERVER_V4, PORT)).isEqualTo(Reach.OPEN);
        }
        assertThat(Shell.local().run("ip", "netns", "list").stdout()).doesNotContain(id);
        assertThat(HostSnapshot.take()).isEqualTo(before);
    }

    @Test
    void ufwAndFirewalldRunWithPrivateConfigurationAndLeaveTheHostAsItWas() {
        assumeTrue(Netns.installed("ufw"), "ufw is not installed");
        assumeTrue(Netns.installed("firewalld"), "firewalld is not installed");
        HostSnapshot before = HostSnapshot.take();
        try (Netns net = Netns.create()) {
            Shell ufw = net.ufw();
            assertThat(ufw.run("ufw", "--force", "enable").ok()).isTrue();
            assertThat(ufw.run("cat", "/etc/ufw/ufw.conf").stdout()).contains("ENABLED=yes");
            assertThat(ufw.run("ufw", "status").stdout()).contains("Status: active");
            assertThat(net.exec(net.server(), "iptables", "-S", "INPUT").stdout()).contains("ufw-before-input");

            long firewalld;
            try (Netns.Firewalld fw = net.startFirewalld()) {
                firewalld = fw.pid();
                assertThat(fw.cmd("--state").stdout().strip()).isEqualTo("running");
                fw.cmd("--add-port=" + PORT + "/tcp");
                assertThat(fw.cmd("--list-ports").stdout()).contains(PORT + "/tcp");
            }
            assertThat(ProcessHandle.of(firewalld).filter(ProcessHandle::isAlive)).as("firewalld stopped").isEmpty();
            assertThat(HostSnapshot.take()).as("while the namespaces still exist").isEqualTo(before);
        }
        assertThat(HostSnapshot.take()).isEqualTo(before);
    }

    /** What a test must not change on the host: its firewall rules and the firewall front-ends' configuration. */
    record HostSnapshot(List<String> state) {
        static HostSnapshot take() {
            Shell sh = Shell.local();
            return new HostSnapshot(List.of(
                    sh.run("nft", "list", "ruleset").stdout(),
                    sh.run("iptables", "-S").stdout(),
                    sh.run("ip6tables", "-S").stdout(),
                    sh.run("sh", "-c", "cat /etc/ufw/ufw.conf /etc/default/ufw /etc/ufw/user.rules 2>&1").stdout(),
                    sh.run("sh", "-c", "ls -lR /etc/firewalld 2>&1 | md5sum").stdout(),
                    sh.run("ip", "-o", "link").stdout().replaceAll("\\d+: ", "")));
        }
    }
}
