package dev.lifeline.server;

import dev.lifeline.backend.Backend;
import dev.lifeline.backend.NettyTransport;
import dev.lifeline.backend.OpenAiBackend;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.observe.CompositeObserver;
import dev.lifeline.observe.GatewayMetrics;
import dev.lifeline.observe.RequestLog;
import dev.lifeline.probe.HealthChecker;
import dev.lifeline.probe.Prewarmer;
import dev.lifeline.routing.Gateway;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A gateway wired and listening: transport, backends, engine, metrics, logs and the HTTP server. */
public final class RunningGateway implements AutoCloseable {
    private final NettyTransport transport;
    private final Gateway gateway;
    private final GatewayServer server;
    private final Prewarmer prewarmer;
    private final HealthChecker health;

    private RunningGateway(NettyTransport transport, Gateway gateway, GatewayServer server, Prewarmer prewarmer, HealthChecker health) {
        this.transport = transport;
        this.gateway = gateway;
        this.server = server;
        this.prewarmer = prewarmer;
        this.health = health;
    }

    public static RunningGateway start(Config config, String version) throws InterruptedException {
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        NettyTransport transport = new NettyTransport(workers);
        HealthChecker health = null;
        try {
            Clock clock = Clock.systemUTC();
            Map<String, Backend> backends = new LinkedHashMap<>();
            for (BackendConfig b : config.backends().values()) {
                backends.put(b.name(), switch (b.dialect()) {
                    case OPENAI -> new OpenAiBackend(b, transport, "lifeline/" + version, clock);
                });
            }
            GatewayMetrics metrics = new GatewayMetrics();
            health = HealthChecker.start(config);
            Gateway gateway = new Gateway(config, backends, new CompositeObserver(List.of(metrics, new RequestLog())), health, clock);
            metrics.watch(gateway.breakers(), gateway::contingency);
            GatewayServer server = GatewayServer.start(gateway, metrics, transport, config.listen(), config.maxBodyBytes());
            return new RunningGateway(transport, gateway, server, Prewarmer.start(config, "lifeline/" + version), health);
        } catch (RuntimeException | InterruptedException e) {
            if (health != null) {
                health.close();
            }
            transport.close();
            throw e;
        }
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** {@code http(s)://host:port}, with IPv6 hosts in brackets. */
    public String url() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host.replaceAll("%.*", "") + "]";
        }
        return (server.tls() ? "https://" : "http://") + host + ":" + a.getPort();
    }

    public Gateway gateway() {
        return gateway;
    }

    public HealthChecker health() {
        return health;
    }

    @Override
    public void close() {
        prewarmer.close();
        health.close();
        server.close();
        gateway.close();
        transport.close();
    }
}
