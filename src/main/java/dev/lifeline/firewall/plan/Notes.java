package dev.lifeline.firewall.plan;

import java.util.ArrayList;
import java.util.List;

/** Notes shared by several renderers. */
final class Notes {
    private Notes() {
    }

    /** The policy's own notes followed by the tool's. */
    static List<String> of(Policy policy, String... tool) {
        List<String> out = new ArrayList<>(policy.allow().notes());
        out.addAll(List.of(tool));
        return out;
    }

    static String docker(Policy p) {
        return "If the server runs in Docker with a published port (-p " + p.port() + ":" + p.port()
                + "), its traffic is forwarded, not delivered to INPUT, and no rule here sees it: publish on 127.0.0.1 instead,"
                + " or restrict it in the DOCKER-USER chain.";
    }
}
