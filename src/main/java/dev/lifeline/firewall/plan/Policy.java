package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the firewall should enforce: TCP {@code port} accepts connections from loopback and from {@code allow}, and
 * {@code block}s everyone else, over IPv4 and IPv6 alike (a dual-stack listener behind an IPv4-only rule is still open).
 *
 * <p>Every rule, chain, table, anchor and file a plan creates carries {@code tag} and the port in its name or
 * comment, so that Lifeline's rules can be told from the administrator's, and so that guards for two ports (say the
 * gateway's, open to the LAN, and Ollama's, loopback only) live side by side.
 *
 * @param port  the TCP port to guard, 1-65535
 * @param allow the sources allowed besides loopback
 * @param block what happens to everyone else
 * @param tag   a short lower-case name marking the rules as Lifeline's; {@value #TAG} unless testing
 */
public record Policy(int port, AllowList allow, Block block, String tag) {
    /** The tag of every rule Lifeline writes. */
    public static final String TAG = "lifeline";

    public Policy {
        if (port < 1 || port > 65535) {
            throw new PolicyException(List.of(portProblem(port)));
        }
        Objects.requireNonNull(allow);
        Objects.requireNonNull(block);
        if (!tag.matches("[a-z][a-z0-9]{0,15}")) {
            throw new IllegalArgumentException("tag must be 1-16 lower-case letters and digits, starting with a letter: " + tag);
        }
    }

    public Policy(int port, AllowList allow, Block block) {
        this(port, allow, block, TAG);
    }

    /**
     * The policy for {@code lifeline firewall plan --port P --allow A --allow B [--block] [--force]}.
     *
     * @throws PolicyException listing every problem with the port and the sources together
     */
    public static Policy parse(int port, List<String> allow, Block block, boolean force) {
        List<String> problems = new ArrayList<>();
        if (port < 1 || port > 65535) {
            problems.add(portProblem(port));
        }
        AllowList list = null;
        try {
            list = AllowList.parse(allow, force);
        } catch (PolicyException e) {
            problems.addAll(e.problems());
        }
        if (!problems.isEmpty()) {
            throw new PolicyException(problems);
        }
        return new Policy(port, list, block);
    }

    private static String portProblem(int port) {
        return "--port " + port + ": must be 1-65535";
    }

    /** {@code lifeline-11434}: the name of this guard in files, anchors and Windows rule names. */
    public String name() {
        return tag + "-" + port;
    }

    /** One line saying what the plan enforces, for script headers. */
    public String summary() {
        StringBuilder sb = new StringBuilder("TCP port ").append(port).append(" accepts loopback");
        for (Cidr c : allow.sources()) {
            sb.append(", ").append(c);
        }
        return sb.append("; everyone else: ").append(block.describe()).toString();
    }
}
