package dev.lifeline.firewall.plan;

/** Turns a {@link Policy} into the exact steps for one firewall tool. Pure: it reads nothing and runs nothing. */
public interface Renderer {
    /** Where plans keep the files they load (rulesets, anchors, pf's enable token) on the target machine. */
    String STATE_DIR = "/etc/lifeline/firewall";

    Plan render(Policy policy);
}
