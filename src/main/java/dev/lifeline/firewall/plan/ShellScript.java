package dev.lifeline.firewall.plan;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** POSIX sh, for Linux and macOS. Scripts stop at the first failing command ({@code set -eu}). */
public final class ShellScript implements ScriptWriter {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
    private static final Pattern OPTION_WITH_VALUE = Pattern.compile("(--[a-z][a-z0-9-]*=)(.+)", Pattern.DOTALL);
    /** Ends the here-document holding a written file; a file containing this line alone is refused. */
    static final String EOF_MARK = "LIFELINE_EOF";

    @Override
    public String steps(Plan plan, String part, List<Step> steps) {
        StringBuilder sb = new StringBuilder("#!/bin/sh\n");
        ScriptWriter.header(sb, plan, part, part.equals("apply"));
        sb.append("set -eu\n");
        for (Step step : steps) {
            sb.append("\n# ").append(step.why()).append('\n');
            switch (step) {
                case Step.Run run -> {
                    String cmd = command(run.argv());
                    switch (run.guard()) {
                        case Step.Guard.Always a -> sb.append(cmd).append('\n');
                        case Step.Guard.Unless u -> sb.append("if ! ").append(command(u.check())).append(" >/dev/null 2>&1; then\n  ")
                                .append(cmd).append("\nfi\n");
                        case Step.Guard.OnlyIf o -> sb.append("if ").append(command(o.check())).append(" >/dev/null 2>&1; then\n  ")
                                .append(cmd).append("\nfi\n");
                    }
                }
                case Step.WriteFile file -> {
                    String content = file.content().endsWith("\n") ? file.content() : file.content() + "\n";
                    if (content.lines().anyMatch(EOF_MARK::equals)) {
                        throw new IllegalArgumentException("file content contains the here-document end mark " + EOF_MARK);
                    }
                    int slash = file.path().lastIndexOf('/');
                    if (slash > 0) {
                        sb.append("mkdir -p ").append(quote(file.path().substring(0, slash))).append('\n');
                    }
                    sb.append("cat > ").append(quote(file.path())).append(" <<'").append(EOF_MARK).append("'\n")
                            .append(content).append(EOF_MARK).append('\n');
                }
                case Step.Script script -> sb.append(script.text().strip()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public String verify(Plan plan) {
        StringBuilder sb = new StringBuilder("#!/bin/sh\n");
        ScriptWriter.header(sb, plan, "verify", false);
        sb.append("set -u\nstatus=0\n");
        sb.append("ok() { echo \"ok       $1\"; }\n");
        sb.append("missing() { echo \"MISSING  $1\"; status=1; }\n\n");
        for (Check check : plan.verify()) {
            String what = quote(check.what());
            sb.append("if { ").append(check.command()).append("; } >/dev/null 2>&1; then ok ").append(what)
                    .append("; else missing ").append(what).append("; fi\n");
        }
        return sb.append("exit \"$status\"\n").toString();
    }

    @Override
    public String command(List<String> argv) {
        StringBuilder sb = new StringBuilder();
        for (String arg : argv) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            Matcher option = OPTION_WITH_VALUE.matcher(arg);
            // --add-rich-rule='rule ...' reads like the tools' own documentation, and means the same as quoting it all
            if (!SAFE.matcher(arg).matches() && option.matches() && SAFE.matcher(option.group(1)).matches()) {
                sb.append(option.group(1)).append(quote(option.group(2)));
            } else {
                sb.append(quote(arg));
            }
        }
        return sb.toString();
    }

    /**
     * {@code text} in double quotes, which reads better than single quotes when it contains single quotes itself;
     * {@code $}, backquotes, backslashes and double quotes are escaped.
     */
    public static String doubleQuote(String text) {
        return "\"" + text.replaceAll("([$`\\\\\"])", "\\\\$1") + "\"";
    }

    /** {@code arg} as one sh word: as is when plain, else in single quotes. */
    public static String quote(String arg) {
        if (SAFE.matcher(arg).matches()) {
            return arg;
        }
        return "'" + arg.replace("'", "'\\''") + "'";
    }
}
