package dev.lifeline.firewall.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScriptWriterTest {
    private final ShellScript sh = new ShellScript();
    private final PowerShellScript ps = new PowerShellScript();

    @Test
    void shell_quotes_only_what_needs_it() {
        assertThat(sh.command(List.of("nft", "get", "element", "inet", "t", "s", "{ 10.0.0.0/24 }"))).isEqualTo("nft get element inet t s '{ 10.0.0.0/24 }'");
        assertThat(sh.command(List.of("echo", "it's"))).isEqualTo("echo 'it'\\''s'");
        assertThat(sh.command(List.of("firewall-cmd", "--add-rich-rule=rule port port=\"1\" accept"))).isEqualTo("firewall-cmd --add-rich-rule='rule port port=\"1\" accept'");
        assertThat(sh.command(List.of("echo", ""))).isEqualTo("echo ''");
        assertThat(ShellScript.doubleQuote("a 'b' $c \"d\" \\e `f`")).isEqualTo("\"a 'b' \\$c \\\"d\\\" \\\\e \\`f\\`\"");
    }

    @Test
    void powershell_writes_lists_as_arrays_and_text_as_one_string() {
        assertThat(ps.command(List.of("New-NetFirewallRule", "-Name", "Lifeline-1-Allow", "-Profile", "Domain,Private", "-RemoteAddress", "10.0.0.0/24,fd00::/64",
                "-Description", "a, b; it's")))
                .isEqualTo("New-NetFirewallRule -Name 'Lifeline-1-Allow' -Profile Domain,Private -RemoteAddress '10.0.0.0/24','fd00::/64' -Description 'a, b; it''s'");
    }

    @Test
    void a_file_holding_the_end_mark_is_refused() {
        Policy p = RendererTest.MIXED;
        Plan plan = new Plan(Frontend.NFTABLES, p, List.of(new Step.WriteFile("x", "/tmp/x", "a\n" + ShellScript.EOF_MARK + "\n")), List.of(), List.of(), List.of());
        assertThatThrownBy(plan::applyScript).hasMessageContaining("end mark");
    }
}
