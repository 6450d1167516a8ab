package dev.lifeline.firewall.plan;

import dev.lifeline.os.Shell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What {@code apply} does before it changes anything. */
class ApplierTest {
    @TempDir
    Path state;

    @Test
    void withoutRootItStopsBeforeSavingOrChangingAnything() {
        assumeTrue(System.getProperty("user.name").equals("root"), "needs root to run the commands as another user");
        // every command of the apply runs as nobody, as a user without sudo would run it
        Shell nobody = Shell.prefixed(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        Plan plan = Frontend.NFTABLES.plan(Policy.parse(11434, List.of("10.0.0.0/24"), Block.DROP, false), state.toString());

        Applier.Outcome o = new Applier(nobody, state, Clock.systemUTC()).apply(plan);

        assertThat(o.ok()).isFalse();
        assertThat(o.lines()).containsExactly("changing the firewall needs root: run it with sudo");
        assertThat(state).isEmptyDirectory();
    }
}
