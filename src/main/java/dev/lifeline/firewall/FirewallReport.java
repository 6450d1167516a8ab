package dev.lifeline.firewall;

import java.util.ArrayList;
import java.util.List;

/**
 * Every firewall found on this machine and what they do together to new TCP connections to {@code port} from other
 * machines.
 *
 * @param port  the TCP port examined
 * @param tools one report per firewall tool examined (inactive ones included, so "not installed" is visible)
 * @param ipv4  the combined verdict for IPv4 clients
 * @param ipv6  the combined verdict for IPv6 clients
 * @param notes what the combination means beyond single tools (an IPv4-only block, Docker bypassing ufw)
 */
public record FirewallReport(int port, List<ToolReport> tools, Verdict ipv4, Verdict ipv6, List<String> notes) {
    public FirewallReport {
        tools = List.copyOf(tools);
        notes = List.copyOf(notes);
    }

    /** The verdict for whichever family lets more in: the answer to "am I exposed". */
    public Verdict verdict() {
        return Verdict.eitherOf(ipv4, ipv6);
    }

    public Verdict verdict(Family family) {
        return family == Family.IPV4 ? ipv4 : ipv6;
    }

    public List<ToolReport> active() {
        return tools.stream().filter(ToolReport::active).toList();
    }

    public java.util.Optional<ToolReport> tool(Tool tool) {
        return tools.stream().filter(t -> t.tool() == tool).findFirst();
    }

    /** The fixes of every tool that blocks, in tool order. */
    public List<String> fixes() {
        List<String> all = new ArrayList<>();
        tools.forEach(t -> t.fixes().stream().filter(f -> !all.contains(f)).forEach(all::add));
        return all;
    }

    /**
     * Combines tool reports. Linux filters are layers a packet must pass one after the other, so their verdicts
     * combine with {@link Verdict#both}; a Docker-published port is reached through FORWARD, not INPUT, so the
     * Docker verdict replaces the others rather than combining with them.
     */
    static FirewallReport combine(int port, List<ToolReport> tools, List<String> extraNotes) {
        Verdict v4 = Verdict.OPEN;
        Verdict v6 = Verdict.OPEN;
        ToolReport docker = null;
        for (ToolReport t : tools) {
            if (t.tool() == Tool.DOCKER) {
                docker = t;
            } else if (t.active() || t.ipv4() instanceof Verdict.Unknown || t.ipv6() instanceof Verdict.Unknown) {
                v4 = Verdict.both(v4, t.ipv4());
                v6 = Verdict.both(v6, t.ipv6());
            }
        }
        if (docker != null && docker.active()) {
            v4 = docker.ipv4();
            v6 = Verdict.eitherOf(v6, docker.ipv6());
        }
        List<String> notes = new ArrayList<>(extraNotes);
        if (v4.blocksSomeClients() && v6 instanceof Verdict.Open) {
            notes.add("IPv4 is " + v4.describe() + " but IPv6 is open: a dual-stack listener on [::]:" + port
                    + " is still reachable over IPv6");
        } else if (v6.blocksSomeClients() && v4 instanceof Verdict.Open) {
            notes.add("IPv6 is " + v6.describe() + " but IPv4 is open");
        }
        return new FirewallReport(port, tools, v4, v6, notes);
    }
}
