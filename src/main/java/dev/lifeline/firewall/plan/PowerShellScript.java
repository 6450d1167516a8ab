package dev.lifeline.firewall.plan;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Windows PowerShell 5.1 and PowerShell 7. Scripts stop at the first error ({@code $ErrorActionPreference = 'Stop'}).
 *
 * <p>In a {@link Step.Run} argv, an element like {@code -Name} is a parameter name and is written as is; a value
 * with commas and no white space is a list ({@code -Profile Domain,Private}, {@code -RemoteAddress a,b}), as a comma
 * makes an array in PowerShell's argument mode anyway; any other value is one quoted string.
 */
public final class PowerShellScript implements ScriptWriter {
    private static final Pattern PARAMETER = Pattern.compile("-[A-Za-z][A-Za-z0-9]*");
    private static final Pattern BARE = Pattern.compile("[A-Za-z0-9]+");

    @Override
    public String steps(Plan plan, String part, List<Step> steps) {
        StringBuilder sb = new StringBuilder("#Requires -RunAsAdministrator\n");
        ScriptWriter.header(sb, plan, part, part.equals("apply"));
        sb.append("$ErrorActionPreference = 'Stop'\n");
        for (Step step : steps) {
            sb.append("\n# ").append(step.why()).append('\n');
            switch (step) {
                case Step.Run run -> {
                    String cmd = command(run.argv());
                    switch (run.guard()) {
                        case Step.Guard.Always a -> sb.append(cmd).append('\n');
                        case Step.Guard.Unless u -> sb.append("if (-not (").append(command(u.check())).append(")) {\n    ").append(cmd).append("\n}\n");
                        case Step.Guard.OnlyIf o -> sb.append("if (").append(command(o.check())).append(") {\n    ").append(cmd).append("\n}\n");
                    }
                }
                case Step.WriteFile file -> sb.append("New-Item -ItemType Directory -Force -Path (Split-Path ").append(quote(file.path()))
                        .append(") | Out-Null\nSet-Content -Encoding ascii -Path ").append(quote(file.path())).append(" -Value @'\n")
                        .append(file.content().strip()).append("\n'@\n");
                case Step.Script script -> sb.append(script.text().strip()).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public String verify(Plan plan) {
        StringBuilder sb = new StringBuilder();
        ScriptWriter.header(sb, plan, "verify", false);
        sb.append("$missing = 0\n");
        sb.append("function Test-Step([string] $What, [scriptblock] $Probe) {\n");
        sb.append("    if (& $Probe) { \"ok       $What\" } else { \"MISSING  $What\"; $script:missing = 1 }\n}\n\n");
        for (Check check : plan.verify()) {
            sb.append("Test-Step ").append(quote(check.what())).append(" { ").append(check.command()).append(" }\n");
        }
        return sb.append("exit $missing\n").toString();
    }

    @Override
    public String command(List<String> argv) {
        StringBuilder sb = new StringBuilder(argv.getFirst());
        for (String arg : argv.subList(1, argv.size())) {
            sb.append(' ');
            if (PARAMETER.matcher(arg).matches()) {
                sb.append(arg);
            } else {
                String[] items = arg.chars().anyMatch(Character::isWhitespace) ? new String[] {arg} : arg.split(",", -1);
                for (int i = 0; i < items.length; i++) {
                    sb.append(i == 0 ? "" : ",").append(BARE.matcher(items[i]).matches() ? items[i] : quote(items[i]));
                }
            }
        }
        return sb.toString();
    }

    /** {@code s} as a verbatim PowerShell string: single quotes, inner ones doubled. */
    public static String quote(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
