package dev.lifeline.firewall.plan;

import java.util.List;
import java.util.Objects;

/**
 * The exact steps that make one firewall tool enforce a {@link Policy}, the steps that undo them, and the checks
 * that tell whether they are in place. Applying twice is harmless and leaves one copy of each rule; rolling back
 * twice is harmless too.
 *
 * @param tool     the tool the steps are for
 * @param policy   what the steps enforce
 * @param apply    the steps that put the policy in place, in order
 * @param rollback the steps that remove everything {@code apply} added, in order
 * @param verify   probes that all pass once {@code apply} has run
 * @param notes    what a person should know before running it: normalised input, caveats of the tool
 */
public record Plan(Frontend tool, Policy policy, List<Step> apply, List<Step> rollback, List<Check> verify, List<String> notes) {
    public Plan {
        Objects.requireNonNull(tool);
        Objects.requireNonNull(policy);
        apply = List.copyOf(apply);
        rollback = List.copyOf(rollback);
        verify = List.copyOf(verify);
        notes = List.copyOf(notes);
    }

    /** The apply steps as a script a person can review and run: POSIX sh, or PowerShell for Windows. */
    public String applyScript() {
        return writer().steps(this, "apply", apply);
    }

    /** The rollback steps as a script. */
    public String rollbackScript() {
        return writer().steps(this, "rollback", rollback);
    }

    /** A script that runs every check, prints each result and exits non-zero if any fails. */
    public String verifyScript() {
        return writer().verify(this);
    }

    /** The writer for this plan's language, also for quoting single commands and checks the same way. */
    public ScriptWriter writer() {
        return ScriptWriter.of(tool.language());
    }
}
