package dev.lifeline.testing;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * A fake cloud and a fake local upstream for one test, and the gateways started in front of them; all closed after
 * the test. Register as an instance field: {@code @RegisterExtension final Upstreams upstreams = new Upstreams();}.
 */
public final class Upstreams implements AfterEachCallback {
    private final FakeUpstream cloud = FakeUpstream.start();
    private final FakeUpstream local = FakeUpstream.start();
    private final List<AutoCloseable> toClose = new ArrayList<>();

    public FakeUpstream cloud() {
        return cloud;
    }

    public FakeUpstream local() {
        return local;
    }

    /** Another upstream, closed with the others. */
    public FakeUpstream another() {
        FakeUpstream u = FakeUpstream.start();
        toClose.add(u);
        return u;
    }

    /** A gateway from YAML (see {@link TestGateway#start(String)}), closed after the test. */
    public TestGateway gateway(String yaml) {
        TestGateway gw = TestGateway.start(yaml);
        toClose.add(gw);
        return gw;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        cloud.close();
        local.close();
    }
}
