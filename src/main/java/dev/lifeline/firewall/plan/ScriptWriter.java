package dev.lifeline.firewall.plan;

import java.util.List;

/**
 * Writes a plan's steps as a script a person can read, review and run by hand, which is also exactly what Lifeline
 * itself would run. One implementation per {@link Frontend.Language}.
 */
public sealed interface ScriptWriter permits ShellScript, PowerShellScript {
    /** A whole script running {@code steps} (the plan's apply or rollback) with a header naming {@code part}. */
    String steps(Plan plan, String part, List<Step> steps);

    /** A whole script running every check of the plan, printing {@code ok} or {@code MISSING} for each. */
    String verify(Plan plan);

    /** One command line, quoted for the language. */
    String command(List<String> argv);

    /** The writer for {@code language}. */
    static ScriptWriter of(Frontend.Language language) {
        return language == Frontend.Language.SH ? new ShellScript() : new PowerShellScript();
    }

    /** The comment lines shared by every script of a plan. */
    static void header(StringBuilder sb, Plan plan, String part, boolean withNotes) {
        sb.append("# Lifeline firewall plan for ").append(plan.tool().id()).append(": ").append(part).append('\n');
        sb.append("# ").append(plan.policy().summary()).append('\n');
        switch (part) {
            case "apply" -> sb.append("# Running it twice is harmless. Review it, then run it as ")
                    .append(plan.tool().language() == Frontend.Language.SH ? "root" : "Administrator").append(".\n");
            case "rollback" -> sb.append("# Removes what the apply script added, and nothing else. Running it twice is harmless.\n");
            default -> sb.append("# Changes nothing; prints one line per check and fails if any is missing.\n");
        }
        if (withNotes && !plan.notes().isEmpty()) {
            sb.append("#\n# Notes:\n");
            for (String note : plan.notes()) {
                sb.append("# - ").append(note).append('\n');
            }
        }
    }
}
