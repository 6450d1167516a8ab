package dev.lifeline.server;

import dev.lifeline.backend.Backend;
import dev.lifeline.backend.NettyTransport;
import dev.lifeline.backend.HttpBackend;
import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.observe.CompositeObserver;
import dev.lifeline.observe.GatewayMetrics;
import dev.lifeline.observe.RequestLog;
import dev.lifeline.probe.HealthChecker;
import dev.lifeline.probe.Prewarmer;
import dev.lifeline.routing.Gateway;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A gateway wired and listening: transport, backends, engine, metrics, logs and the HTTP server. */
public final class RunningGateway implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunningGateway.class);

    private final NettyTransport transport;
    private final Gateway gateway;
    private final GatewayServer server;
    private final Prewarmer prewarmer;
    private final HealthChecker health;
    private final Access access;

    private RunningGateway(NettyTransport transport, Gateway gateway, GatewayServer server, Prewarmer prewarmer, HealthChecker health,
                           Access access) {
        this.access = access;
        this.transport = transport;
        this.gateway = gateway;
        this.server = server;
        this.prewarmer = prewarmer;
        this.health = health;
    }

    public static RunningGateway start(Config config, String version) throws InterruptedException {
        return start(config, version, false);
    }

    /** Thrown instead of exposing models to the network without authentication. */
    public static final class UnsafeListenException extends IllegalStateException {
        UnsafeListenException(String message) {
            super(message);
        }
    }

    /**
     * Wires and starts the gateway.
     *
     * @param insecureNoAuth listen beyond loopback without authentication anyway (never the default)
     */
    public static RunningGateway start(Config config, String version, boolean insecureNoAuth) throws InterruptedException {
        Access access;
        try {
            access = new Access(config.security(), Clock.systemUTC());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot use the key file: " + e.getMessage(), e);
        }
        boolean exposed = !config.listen().getAddress().isLoopbackAddress();
        if (exposed && !access.authOn() && !insecureNoAuth) {
            access.close();
            throw new UnsafeListenException("refusing to listen on " + config.listen().getAddress().getHostAddress()
                    + " without authentication: anyone who can reach the port could use your models. Create a key with"
                    + " `lifeline keys create --name app` (key file " + access.keysFile() + "), listen on 127.0.0.1,"
                    + " or pass --insecure-no-auth if something in front of Lifeline authenticates");
        }
        if (exposed && !access.authOn()) {
            LOG.warn("INSECURE: listening on {} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach this port can use your models",
                    config.listen());
        }
        int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
        NettyTransport transport = new NettyTransport(workers);
        HealthChecker health = null;
        try {
            Clock clock = Clock.systemUTC();
            Map<String, Backend> backends = new LinkedHashMap<>();
            for (BackendConfig b : config.backends().values()) {
                backends.put(b.name(), HttpBackend.create(b, transport, "lifeline/" + version, clock));
            }
            GatewayMetrics metrics = new GatewayMetrics();
            health = HealthChecker.start(config);
            Gateway gateway = new Gateway(config, backends, new CompositeObserver(List.of(metrics, new RequestLog())), health, clock);
            metrics.watch(gateway.breakers(), gateway::contingency, gateway.drill()::active);
            GatewayServer server = GatewayServer.start(gateway, metrics, access, transport, config.listen(), config.maxBodyBytes(),
                    "lifeline/" + version);
            return new RunningGateway(transport, gateway, server, Prewarmer.start(config, "lifeline/" + version), health, access);
        } catch (RuntimeException | InterruptedException e) {
            access.close();
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

    /** Whether clients must present an API key, and how many active keys there are. */
    public String authSummary() {
        return access.authOn() ? "on (" + access.activeKeys() + " active key" + (access.activeKeys() == 1 ? "" : "s") + " in " + access.keysFile() + ")"
                : "off (no keys in " + access.keysFile() + "; loopback clients only for admin endpoints)";
    }

    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        prewarmer.close();
        health.close();
        access.close();
        server.close();
        gateway.close();
        transport.close();
    }
}
