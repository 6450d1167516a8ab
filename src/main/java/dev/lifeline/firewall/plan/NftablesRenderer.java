package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;
import dev.lifeline.firewall.Family;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * nftables, in a table of Lifeline's own loaded from a file with {@code nft -f}, which applies the whole file in one
 * transaction or not at all. The file starts with {@code table}/{@code delete table} so that loading it again replaces
 * the table instead of adding a second copy of each rule (creating the table first makes the delete succeed on the
 * first run; {@code destroy table} would need nft 1.0.8).
 *
 * <p>Only right where nothing else manages nftables: each table sees every packet, an accept here cannot undo a drop
 * in firewalld's or ufw's table, while a drop here is final for them all.
 */
public final class NftablesRenderer implements Renderer {
    private final String stateDir;

    /** Keeps the ruleset file in {@code stateDir} on the target machine. */
    public NftablesRenderer(String stateDir) {
        this.stateDir = stateDir;
    }

    /** {@code lifeline_guard_11434}: the table, in family inet (IPv4 and IPv6 in one chain). */
    public static String table(Policy p) {
        return p.tag() + "_guard_" + p.port();
    }

    @Override
    public Plan render(Policy p) {
        String table = table(p);
        String file = stateDir + "/" + p.name() + ".nft";
        List<String> listTable = List.of("nft", "list", "table", "inet", table);

        List<Step> apply = List.of(
                new Step.WriteFile("The ruleset: loopback, then the allowed sources, then the block, all for TCP " + p.port(), file, ruleset(p)),
                new Step.Run("Check the file first, so that a mistake changes nothing", List.of("nft", "-c", "-f", file)),
                new Step.Run("Load it in one transaction, replacing an earlier copy of the table", List.of("nft", "-f", file)));
        List<Step> rollback = List.of(
                new Step.Run("Delete the table with everything in it", List.of("nft", "delete", "table", "inet", table), new Step.Guard.OnlyIf(listTable)),
                new Step.Run("Remove the ruleset file", List.of("rm", "-f", file)));

        ShellScript sh = new ShellScript();
        List<Check> verify = new ArrayList<>();
        verify.add(new Check("table inet " + table + " is loaded", sh.command(listTable)));
        for (Cidr c : p.allow().sources()) {
            verify.add(new Check("allowed source " + c, sh.command(List.of("nft", "get", "element", "inet", table, set(c.family()), "{ " + c + " }"))));
        }
        verify.add(new Check("the block rule for TCP " + p.port(), "nft list chain inet " + table + " input | grep -q "
                + ShellScript.quote("tcp dport " + p.port() + " counter packets [0-9]* bytes [0-9]* " + verdict(p))));

        List<String> notes = Notes.of(p,
                "Loopback is accepted first (iifname \"lo\"), before any other rule of the table.",
                "Use this plan only where no other firewall manages nftables: an accept in this table cannot undo a drop in"
                        + " firewalld's, ufw's or Docker's tables (`nft list tables`). With one of those active, plan for it instead.",
                "Not kept across a reboot by itself: add `include \"" + file + "\"` at the end of /etc/nftables.conf. Debian's copy"
                        + " begins with `flush ruleset`, which wipes every table, this one included, whenever the nftables service restarts.",
                Notes.docker(p));
        return new Plan(Frontend.NFTABLES, p, apply, rollback, verify, notes);
    }

    /** The file fed to {@code nft -f}. Host bits are already cleared: a set element with host bits is an error. */
    static String ruleset(Policy p) {
        String table = table(p);
        StringBuilder sb = new StringBuilder();
        sb.append("# Lifeline: ").append(p.summary()).append('\n');
        sb.append("# Load with nft -f; the first two lines make loading it again replace the table.\n");
        sb.append("table inet ").append(table).append('\n');
        sb.append("delete table inet ").append(table).append('\n');
        sb.append("table inet ").append(table).append(" {\n");
        sb.append("\tcomment \"").append(p.tag()).append(": only loopback and the allowed sources may connect to TCP port ").append(p.port()).append("\"\n");
        for (Family f : Family.values()) {
            List<Cidr> sources = p.allow().sources(f);
            if (!sources.isEmpty()) {
                sb.append("\n\tset ").append(set(f)).append(" {\n");
                sb.append("\t\ttype ").append(f == Family.IPV4 ? "ipv4_addr" : "ipv6_addr").append("\n\t\tflags interval\n");
                sb.append("\t\telements = { ").append(sources.stream().map(Cidr::toString).collect(Collectors.joining(", "))).append(" }\n\t}\n");
            }
        }
        sb.append("\n\tchain input {\n");
        sb.append("\t\ttype filter hook input priority filter; policy accept;\n");
        sb.append("\t\tiifname \"lo\" accept\n");
        for (Family f : Family.values()) {
            if (!p.allow().sources(f).isEmpty()) {
                sb.append("\t\ttcp dport ").append(p.port()).append(f == Family.IPV4 ? " ip" : " ip6").append(" saddr @").append(set(f)).append(" accept\n");
            }
        }
        sb.append("\t\ttcp dport ").append(p.port()).append(" counter ").append(verdict(p)).append('\n');
        sb.append("\t}\n}\n");
        return sb.toString();
    }

    private static String verdict(Policy p) {
        return p.block() == Block.DROP ? "drop" : "reject with tcp reset";
    }

    private static String set(Family f) {
        return f == Family.IPV4 ? "allow_v4" : "allow_v6";
    }
}
