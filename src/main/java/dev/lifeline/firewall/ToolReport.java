package dev.lifeline.firewall;

import java.util.List;
import java.util.Objects;

/**
 * What one firewall does to the port.
 *
 * @param tool     which firewall
 * @param active   whether it is enabled and filtering; an inactive tool has {@link Verdict#OPEN} for both families
 * @param ipv4     its verdict for IPv4 clients
 * @param ipv6     its verdict for IPv6 clients
 * @param evidence the rule text (or status line) that decided, one per line
 * @param fixes    commands that let LAN clients in when this tool blocks them; empty when nothing blocks
 * @param notes    what could not be read or what is worth knowing (ownership of tables, backend in use)
 */
public record ToolReport(Tool tool, boolean active, Verdict ipv4, Verdict ipv6, List<String> evidence,
        List<String> fixes, List<String> notes) {
    public ToolReport {
        Objects.requireNonNull(tool);
        Objects.requireNonNull(ipv4);
        Objects.requireNonNull(ipv6);
        evidence = List.copyOf(evidence);
        fixes = List.copyOf(fixes);
        notes = List.copyOf(notes);
    }

    /** A tool that is installed but off, or not installed at all. */
    static ToolReport inactive(Tool tool, String note) {
        return new ToolReport(tool, false, Verdict.OPEN, Verdict.OPEN, List.of(), List.of(), List.of(note));
    }

    /** A tool whose rules could not be read: the reason goes to both verdicts and the notes. */
    static ToolReport unreadable(Tool tool, boolean active, String reason, List<String> evidence) {
        Verdict unknown = new Verdict.Unknown(reason);
        return new ToolReport(tool, active, unknown, unknown, evidence, List.of(), List.of(reason));
    }

    /** The verdict for the path that lets more in, since a dual-stack listener answers on both. */
    public Verdict verdict() {
        return Verdict.eitherOf(ipv4, ipv6);
    }

    public Verdict verdict(Family family) {
        return family == Family.IPV4 ? ipv4 : ipv6;
    }
}
