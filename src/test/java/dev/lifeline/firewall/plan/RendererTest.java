package dev.lifeline.firewall.plan;

import dev.lifeline.firewall.Family;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every plan must hold whatever the tool, and the variants the golden files do not show. */
class RendererTest {
    static final Policy MIXED = Policy.parse(11434, List.of("10.0.0.0/24", "fd00::/64"), Block.DROP, false);
    static final Policy REJECT = Policy.parse(8080, List.of("10.0.0.0/24", "fd00::/64"), Block.REJECT, false);
    static final Policy LOOPBACK_ONLY = Policy.parse(11434, List.of(), Block.DROP, true);

    @ParameterizedTest
    @EnumSource(Frontend.class)
    void every_plan_has_apply_rollback_checks_and_is_tagged(Frontend tool) {
        Plan plan = tool.plan(MIXED);
        assertThat(plan.tool()).isEqualTo(tool);
        assertThat(plan.apply()).isNotEmpty();
        assertThat(plan.rollback()).isNotEmpty();
        assertThat(plan.verify()).isNotEmpty();
        assertThat(plan.notes()).anyMatch(n -> n.toLowerCase().contains("loopback"));
        assertThat(plan.applyScript()).containsIgnoringCase("lifeline").contains("10.0.0.0/24").contains("fd00::/64").contains("11434");
        assertThat(plan.rollbackScript()).containsIgnoringCase("lifeline");
    }

    @ParameterizedTest
    @EnumSource(value = Frontend.class, names = {"UFW", "FIREWALLD", "NFTABLES", "IPTABLES", "PF"})
    void shell_scripts_stop_at_the_first_error(Frontend tool) {
        Plan plan = tool.plan(MIXED);
        assertThat(plan.applyScript()).startsWith("#!/bin/sh\n").contains("\nset -eu\n");
        assertThat(plan.rollbackScript()).startsWith("#!/bin/sh\n").contains("\nset -eu\n");
        assertThat(plan.verifyScript()).startsWith("#!/bin/sh\n").endsWith("exit \"$status\"\n");
    }

    @ParameterizedTest
    @EnumSource(Frontend.class)
    void a_loopback_only_policy_allows_no_source(Frontend tool) {
        Plan plan = tool.plan(LOOPBACK_ONLY);
        assertThat(plan.applyScript()).doesNotContain("10.0.0.0").doesNotContain("@allow_v4").doesNotContain("New-NetFirewallRule");
    }

    @Test
    void reject_variants() {
        assertThat(Frontend.NFTABLES.plan(REJECT).applyScript()).contains("tcp dport 8080 counter reject with tcp reset");
        assertThat(Frontend.IPTABLES.plan(REJECT).applyScript()).contains("-A LIFELINE-8080 -p tcp -j REJECT --reject-with tcp-reset");
        assertThat(Frontend.UFW.plan(REJECT).applyScript()).contains("ufw prepend reject proto tcp from any to any port 8080 comment lifeline");
        assertThat(Frontend.FIREWALLD.plan(REJECT).applyScript())
                .contains("'rule priority=\"-10\" family=\"ipv6\" port port=\"8080\" protocol=\"tcp\" reject type=\"tcp-reset\"'");
        assertThat(Frontend.PF.plan(REJECT).applyScript()).contains("block return in quick proto tcp from any to any port 8080");
        assertThat(Frontend.WINDOWS.plan(REJECT).notes()).contains("Windows Firewall cannot reject: blocked clients time out, whatever the policy asks.");
    }

    @Test
    void firewalld_zone_is_optional_and_validated() {
        Plan plan = new FirewalldRenderer(Optional.of("home")).render(MIXED);
        assertThat(plan.applyScript()).contains("firewall-cmd --permanent --zone=home --add-rich-rule=");
        assertThat(plan.verify().get(1).command()).startsWith("firewall-cmd --zone=home --query-rich-rule=");
        assertThatThrownBy(() -> new FirewalldRenderer(Optional.of("home; rm -rf /"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void the_ip6tables_half_gets_only_ipv6_sources() {
        String ip6 = IptablesRenderer.rules(MIXED, Family.IPV6);
        assertThat(ip6).contains("-A LIFELINE-11434 -s fd00::/64 -j ACCEPT").doesNotContain("-s 10.0.0.0/24");
        assertThat(IptablesRenderer.rules(LOOPBACK_ONLY, Family.IPV4))
                .contains(":LIFELINE-11434 - [0:0]\n-A LIFELINE-11434 -i lo -j ACCEPT\n-A LIFELINE-11434 -j DROP\nCOMMIT\n");
    }

    @Test
    void nft_ruleset_omits_empty_sets() {
        String onlyV4 = NftablesRenderer.ruleset(Policy.parse(11434, List.of("10.0.0.0/24"), Block.DROP, false));
        assertThat(onlyV4).contains("set allow_v4").doesNotContain("allow_v6").contains("tcp dport 11434 counter drop");
    }

    @Test
    void steps_are_data_and_guards_say_when_they_run() {
        Plan plan = Frontend.IPTABLES.plan(MIXED);
        assertThat(plan.apply()).filteredOn(s -> s instanceof Step.Run r && r.guard() instanceof Step.Guard.Unless)
                .extracting(s -> ((Step.Run) s).argv().get(0)).containsExactly("iptables", "ip6tables");
        assertThat(plan.apply()).filteredOn(s -> s instanceof Step.WriteFile).hasSize(2);
    }
}
