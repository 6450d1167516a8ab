package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Cidr;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Windows Defender Firewall, through the NetSecurity cmdlets.
 *
 * <p>Windows rules have no order and an explicit Block beats every Allow, so a "block the rest" rule would also block
 * the allowed sources. The plan adds one Allow rule restricted with {@code -RemoteAddress} and relies on the default
 * inbound action, Block, for everyone else. What it cannot fix by itself is another Allow rule open to any address,
 * most often the one created by the first-run prompt for ollama.exe; the apply script looks for those and warns.
 *
 * <p>Rules are addressed by {@code -Name}, never by {@code -DisplayName}, which Windows may localise. Applying removes
 * the rule and creates it again, so a changed allow-list replaces the old one; in between, the default Block applies,
 * so the port is never more open than either version.
 */
public final class WindowsRenderer implements Renderer {
    /** The group every Lifeline rule belongs to, for the firewall console and {@code -Group}. */
    public static final String GROUP = "Lifeline";

    /** {@code Lifeline-11434-Allow}. */
    public static String ruleName(Policy p) {
        return GROUP + "-" + p.port() + "-Allow";
    }

    @Override
    public Plan render(Policy p) {
        String name = ruleName(p);
        List<String> find = List.of("Get-NetFirewallRule", "-Name", name, "-ErrorAction", "SilentlyContinue");
        List<String> remove = List.of("Remove-NetFirewallRule", "-Name", name);
        String addresses = p.allow().sources().stream().map(Cidr::toString).collect(Collectors.joining(","));

        List<Step> apply = new ArrayList<>();
        apply.add(new Step.Script("Warn about Allow rules open to any address for this port or for Ollama: Windows has no rule order,"
                + " so they keep the port open whatever this plan adds", audit(p)));
        apply.add(new Step.Run("Remove an earlier copy of the rule, so that applying again replaces it", remove, new Step.Guard.OnlyIf(find)));
        if (!p.allow().isEmpty()) {
            apply.add(new Step.Run("Allow the listed sources; the default inbound Block keeps everyone else out", List.of(
                    "New-NetFirewallRule", "-Name", name, "-DisplayName", "Lifeline: TCP " + p.port() + " from allowed sources",
                    "-Description", "Added by lifeline firewall plan; the Lifeline rollback script removes it", "-Group", GROUP,
                    "-Direction", "Inbound", "-Action", "Allow", "-Protocol", "TCP", "-LocalPort", Integer.toString(p.port()),
                    "-RemoteAddress", addresses, "-Profile", "Domain,Private")));
        }
        List<Step> rollback = List.of(new Step.Run("Remove the rule", remove, new Step.Guard.OnlyIf(find)));

        List<Check> verify = new ArrayList<>();
        verify.add(new Check("the firewall is on and blocks inbound by default (Domain, Private)",
                "-not (Get-NetFirewallProfile -Name Domain,Private | Where-Object { $_.Enabled -eq 'False' -or $_.DefaultInboundAction -eq 'Allow' })"));
        if (!p.allow().isEmpty()) {
            verify.add(new Check("rule " + name + " exists", new PowerShellScript().command(find)));
        }
        verify.add(new Check("no other enabled Allow rule opens TCP " + p.port() + " or Ollama to any address", "-not (" + openRules(p) + ")"));

        List<String> notes = Notes.of(p,
                "Loopback needs no rule: Windows Firewall does not filter loopback traffic.",
                "Everyone not listed is stopped by the profile's default inbound action, Block: the plan adds no Block rule,"
                        + " because on Windows a Block rule beats every Allow rule.",
                "The rule applies on networks of the Domain and Private profiles. On a network Windows classifies as Public,"
                        + " nobody gets in; change that with Set-NetConnectionProfile -NetworkCategory Private.",
                "An Allow rule open to any address (often the one the first-run prompt creates for ollama.exe) keeps the port open."
                        + " The apply script warns about each one; disable it with Disable-NetFirewallRule -Name <its name>.");
        if (p.block() == Block.REJECT) {
            notes.add("Windows Firewall cannot reject: blocked clients time out, whatever the policy asks.");
        }
        return new Plan(Frontend.WINDOWS, p, apply, rollback, verify, notes);
    }

    /** The enabled inbound Allow rules, other than Lifeline's, that open this port or Ollama to any remote address. */
    private static String openRules(Policy p) {
        return "@(Get-NetFirewallPortFilter | Where-Object { $_.Protocol -eq 'TCP' -and $_.LocalPort -contains '" + p.port() + "' } | Get-NetFirewallRule)"
                + " + @(Get-NetFirewallApplicationFilter | Where-Object { $_.Program -like '*ollama*' } | Get-NetFirewallRule)"
                + " | Where-Object { $_.Enabled -eq 'True' -and $_.Direction -eq 'Inbound' -and $_.Action -eq 'Allow' -and $_.Group -ne '" + GROUP + "' }"
                + " | Where-Object { ($_ | Get-NetFirewallAddressFilter).RemoteAddress -contains 'Any' }";
    }

    private static String audit(Policy p) {
        return "foreach ($rule in " + openRules(p) + ") {\n"
                + "    Write-Warning \"rule $($rule.Name) ('$($rule.DisplayName)') allows any address; disable it with: Disable-NetFirewallRule -Name '$($rule.Name)'\"\n"
                + "}";
    }
}
