package dev.lifeline.drill;

import dev.lifeline.os.Shell;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * How the drill takes the cloud away, and gives it back. Whatever happens in between, {@link #start} must leave a block
 * that lifts itself after {@code length}, so a drill that crashes does not leave the cloud blocked.
 */
interface Outage {
    /** How much longer than the window a self-lifting block is held, so it never ends under the window's last request. */
    Duration MARGIN = Duration.ofSeconds(10);

    /** Blocks the cloud for at most {@code length}; says which cloud backends are blocked and how, for the report. */
    Started start(Duration length) throws DrillException;

    /** Refuses to start over a block that is already there, before the drill asks anything. */
    default void preflight() throws DrillException {
    }

    /** Lifts the block now. Harmless when it already lifted itself. */
    void lift() throws DrillException;

    /** One line for the plan and the report: {@code the gateway's drill fault (connection refused)}. */
    String describe();

    record Started(List<String> cloudBackends, List<String> details) {
        public Started {
            cloudBackends = List.copyOf(cloudBackends);
            details = List.copyOf(details);
        }
    }

    /** Through the gateway's admin API: every cloud target fails as a real outage would, without a packet sent. */
    record Admin(GatewayClient gateway, String fault) implements Outage {
        @Override
        public void preflight() throws DrillException {
            if (!gateway.faultState().path("fault").asText("none").equals("none")) {
                throw new DrillException("a drill fault is already running on the gateway (GET /admin/drill): let it end, or lift it"
                        + " with DELETE /admin/drill");
            }
        }

        @Override
        public Started start(Duration length) throws DrillException {
            // a little longer than the window: the drill lifts it itself at the end, and the gateway must not lift it
            // first, under the window's last request; the margin only matters if the drill dies
            Duration held = length.plus(MARGIN);
            List<String> backends = gateway.startFault(fault, held);
            return new Started(backends, List.of("POST /admin/drill {\"fault\": \"" + fault + "\", \"for\": \"" + held.toSeconds() + "s\"}"));
        }

        @Override
        public void lift() throws DrillException {
            gateway.liftFault();
        }

        @Override
        public String describe() {
            return "the gateway's drill fault: every cloud target fails as " + (fault.equals("silent")
                    ? "a silent network would (no answer until the connect timeout)" : "a refused connection would");
        }
    }

    /**
     * A real nftables rule on this machine (root): new connections to the cloud endpoints' current addresses are reset,
     * and so is the gateway's established keep-alive connection. The rule's elements time out by themselves. Blocks this
     * machine's traffic, so the drill must run where the gateway runs.
     *
     * @param cloudUrls the cloud backends by name, with their URLs
     */
    record Firewall(Map<String, URI> cloudUrls, Shell shell) implements Outage {
        @Override
        public void preflight() throws DrillException {
            try {
                FirewallBlock.Status st = FirewallBlock.status(shell);
                if (st.blocking()) {
                    throw new DrillException("another drill's firewall block is in place (nft list table inet lifeline_drill): "
                            + st.describe() + "; let it end, or lift it with nft delete table inet lifeline_drill");
                }
            } catch (FirewallBlock.Failure e) {
                throw new DrillException(e.getMessage());
            }
        }

        @Override
        public Started start(Duration length) throws DrillException {
            try {
                // resolved now, not when the drill was planned: CDN addresses rotate
                FirewallBlock.Blocked b = FirewallBlock.forUrls(cloudUrls.values(), length).apply(shell);
                return new Started(List.copyOf(cloudUrls.keySet()), b.lines());
            } catch (FirewallBlock.Failure e) {
                throw new DrillException(e.getMessage());
            }
        }

        @Override
        public void lift() throws DrillException {
            try {
                FirewallBlock.lift(shell);
            } catch (FirewallBlock.Failure e) {
                throw new DrillException(e.getMessage());
            }
        }

        @Override
        public String describe() {
            return "an nftables rule on this machine resetting every connection to " + String.join(", ",
                    cloudUrls.values().stream().map(u -> u.getHost()).distinct().toList()) + " (tcp "
                    + String.join(", ", FirewallBlock.ports(cloudUrls.values()).stream().map(String::valueOf).toList()) + ")";
        }
    }
}
