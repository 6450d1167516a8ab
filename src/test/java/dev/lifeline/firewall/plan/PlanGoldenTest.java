package dev.lifeline.firewall.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every tool's rendered apply, rollback and verify scripts, compared with the files under
 * {@code src/test/resources/firewall/plan/}. Those files were read line by line by a person and the nftables,
 * iptables, ufw and firewalld ones were also run, in namespaces, by {@link PlanNamespaceTest}.
 *
 * <p>After an intended change, regenerate them and review the diff before committing:
 * <pre>mvn test -Dtest=PlanGoldenTest -Dlifeline.golden.update=true</pre>
 */
class PlanGoldenTest {
    /** A mixed list as a user would type it: a subnet, a host, IPv6, host bits and a duplicate to be normalised. */
    static final Policy POLICY = Policy.parse(11434, List.of("192.168.1.5", "10.0.0.77/24", "fd00::/64", "2001:db8:0:0::42", "192.168.1.5"),
            Block.DROP, false);

    @ParameterizedTest
    @EnumSource(Frontend.class)
    void rendered_scripts_match_the_golden_file(Frontend tool) throws IOException {
        Plan plan = tool.plan(POLICY);
        String actual = "# ==== apply ====\n" + plan.applyScript()
                + "\n# ==== rollback ====\n" + plan.rollbackScript()
                + "\n# ==== verify ====\n" + plan.verifyScript();
        String name = tool.id() + ".txt";
        if (Boolean.getBoolean("lifeline.golden.update")) {
            Path file = Path.of("src/test/resources/firewall/plan", name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        try (InputStream in = PlanGoldenTest.class.getResourceAsStream("/firewall/plan/" + name)) {
            assertThat(in).as("golden file %s (regenerate with -Dlifeline.golden.update=true)", name).isNotNull();
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
