package dev.lifeline.doctor;

import dev.lifeline.config.Durations;
import dev.lifeline.doctor.Connect.Outcome;
import dev.lifeline.doctor.Http.Answer;
import dev.lifeline.doctor.Http.Failure;
import dev.lifeline.doctor.Http.Problem;
import dev.lifeline.doctor.Http.Result;
import dev.lifeline.doctor.Target.Api;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The runbook for one server, in the order a person would work through it: does the name resolve, does each of its
 * addresses take a connection (and if not, how not), what answers there, does the base URL lead to the API, who may
 * call it from a web page. What this machine knows about the port (who listens, the firewall, the hardening) is added
 * by {@link Local}.
 */
final class Examine {
    private static final String FOREIGN_ORIGIN = "https://doctor-check.invalid";

    private final Http http;
    private final Duration timeout;
    private final Local local;

    Examine(Http http, Duration timeout, Local local) {
        this.http = http;
        this.timeout = timeout;
        this.local = local;
    }

    List<Finding> run(Target t) {
        List<Finding> out = new ArrayList<>();
        String label = t.label();
        List<InetAddress> addresses;
        try {
            addresses = addresses(t.host());
        } catch (UnknownHostException e) {
            out.add(new Finding(label, "name.unresolved", Severity.FAIL, t.host() + " does not resolve to an address",
                    List.of("looking up " + t.host() + ": no such host"),
                    List.of("check the spelling of the host in " + t.shown(), local.inContainer()
                            ? "inside a container, the host machine is host.docker.internal (on Linux run the container with --add-host=host.docker.internal:host-gateway)"
                            : "or use the server's IP address")));
            return out;
        }
        List<Connect> connects = connectAll(addresses, t.port());
        List<Connect> open = connects.stream().filter(Connect::open).toList();
        boolean onThisMachine = Hosts.isLocal(t.host());
        if (open.isEmpty()) {
            if (t.source() == Target.Source.WELL_KNOWN && connects.stream().allMatch(c -> c.outcome() == Outcome.REFUSED)) {
                return out;
            }
            out.addAll(unreachable(t, connects, onThisMachine));
            return out;
        }
        if (onThisMachine) {
            out.addAll(local.listeners(t, Optional.empty()));
        }
        if (open.size() < connects.size()) {
            out.add(partly(t, connects));
        } else {
            out.add(Finding.ok(label, "connect.ok", "accepts connections on " + String.join(" and ", open.stream().map(Connect::where).toList()),
                    connects.stream().map(Connect::line).toArray(String[]::new)));
        }
        URI root = root(t, open.getFirst());
        Result first = http.get(root.resolve("/"), t.headers());
        if (first instanceof Failure f) {
            out.add(notHttp(t, root, f));
            return out;
        }
        Answer answer = (Answer) first;
        Identity id = Identity.of(http, root, answer, t.headers());
        out.add(identity(t, id, answer));
        if (answer.status() == 403 && answer.body().length == 0 && id.kind() == ServerKind.OTHER) {
            out.add(hostCheck(t));
        }
        if (id.kind() == ServerKind.OTHER && !id.locked()) {
            return out; // the rest judges a model server, and this is not one
        }
        t.api().ifPresent(api -> out.add(basePath(t, api, open.getFirst())));
        cors(t, root, id).ifPresent(out::add);
        if (onThisMachine) {
            out.addAll(local.exposure(t, id));
        }
        return out;
    }

    /** Every address a client may try: those the name resolves to, and for {@code localhost} both loopbacks. */
    private static List<InetAddress> addresses(String host) throws UnknownHostException {
        Set<InetAddress> all = new LinkedHashSet<>(List.of(InetAddress.getAllByName(host)));
        String h = host.toLowerCase(Locale.ROOT);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            all.add(InetAddress.getByName("127.0.0.1"));
            all.add(InetAddress.getByName("::1"));
        }
        return List.copyOf(all);
    }

    private List<Connect> connectAll(List<InetAddress> addresses, int port) {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Connect>> fs = addresses.stream().map(a -> pool.submit(() -> Connect.to(a, port, timeout))).toList();
            List<Connect> out = new ArrayList<>();
            for (Future<Connect> f : fs) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    private List<Finding> unreachable(Target t, List<Connect> connects, boolean onThisMachine) {
        List<Finding> out = new ArrayList<>();
        List<String> evidence = connects.stream().map(Connect::line).toList();
        String label = t.label();
        boolean timedOut = connects.stream().anyMatch(c -> c.outcome() == Outcome.TIMEOUT);
        boolean rejected = connects.stream().anyMatch(c -> c.outcome() == Outcome.UNREACHABLE);
        if (timedOut) {
            out.add(new Finding(label, "connect.timeout", Severity.FAIL, "connections to port " + t.port() + " time out: packets are dropped on the way",
                    Finding.plus(evidence, "a refusal comes back at once; silence is the mark of a firewall dropping the connection (DROP), or of a host that is off"),
                    local.firewallFix(t)));
        } else if (rejected) {
            out.add(new Finding(label, "connect.rejected", Severity.FAIL, "connections to port " + t.port() + " are rejected with an ICMP error",
                    Finding.plus(evidence, "\"no route to host\" on a network that works is a firewall REJECT rule (firewalld rejects this way)"),
                    local.firewallFix(t)));
        } else if (connects.stream().allMatch(c -> c.outcome() == Outcome.NO_NETWORK)) {
            out.add(new Finding(label, "connect.no-network", Severity.FAIL, "no network path to " + t.host(), evidence,
                    List.of("check the machine's network, or use an address it can reach")));
        } else {
            List<Finding> why = onThisMachine ? local.listeners(t, Optional.of(connects)) : List.of();
            if (why.stream().noneMatch(f -> f.code().equals("port.other-address"))) {
                out.add(new Finding(label, "connect.refused", Severity.FAIL, "nothing accepts connections on port " + t.port() + " of " + t.host(),
                        evidence, onThisMachine ? List.of() : List.of("on " + t.host() + ": run `lifeline doctor --port " + t.port() + "` there to see why")));
            }
            out.addAll(why);
            return out;
        }
        if (onThisMachine) {
            out.addAll(local.listeners(t, Optional.of(connects)));
            out.addAll(local.firewall(t));
        }
        return out;
    }

    /**
     * Some addresses of the name connect and some do not: the {@code localhost} → {@code ::1} trap. Most clients fall
     * back to the next address, so it is worth knowing rather than broken; a client that does not gets "connection
     * refused" from a server that runs.
     */
    private Finding partly(Target t, List<Connect> connects) {
        List<Connect> open = connects.stream().filter(Connect::open).toList();
        List<Connect> closed = connects.stream().filter(c -> !c.open()).toList();
        String url = t.withAddress(open.getFirst().address());
        return new Finding(t.label(), "connect.partial", Severity.INFO,
                t.host() + " has " + connects.size() + " addresses but only " + String.join(", ", open.stream().map(Connect::where).toList())
                        + " accepts connections",
                Finding.plus(connects.stream().map(Connect::line).toList(), "a client that tries " + closed.getFirst().where()
                        + " first and does not fall back to the next address gets \"connection refused\" although the server runs"),
                List.of("if a client reports that: point it at " + url + " instead of " + t.host()));
    }

    /** {@code http://host:port} of the target, as written, without path or credentials. */
    private static String root(Target t) {
        String host = t.url().getHost();
        return t.url().getScheme() + "://" + host + ":" + t.port();
    }

    private URI root(Target t, Connect c) {
        return URI.create((t.tls() ? "https://" : "http://") + c.where() + "/");
    }

    private Finding notHttp(Target t, URI root, Failure f) {
        String label = t.label();
        List<String> evidence = List.of("GET " + root + ": " + f.message());
        String host = root.getHost().replaceAll("[\\[\\]]", "");
        if (f.problem() == Problem.NO_ANSWER) {
            return new Finding(label, "http.no-answer", Severity.FAIL, "accepts connections but sends no HTTP answer within " + Durations.words(timeout),
                    Finding.plus(evidence, "a hung server, or a program that is not an HTTP server"),
                    List.of("see who holds the port; restart the server if it is the model server"));
        }
        if (f.problem() == Problem.UNTRUSTED) {
            return new Finding(label, "tls.untrusted", Severity.FAIL, "the server's TLS certificate is not trusted", evidence,
                    List.of("give the server a certificate from a CA your clients trust, or add its CA to the clients' trust store"));
        }
        if (t.tls() && !http.speaksTls(host, root.getPort())) {
            return new Finding(label, "tls.not-tls", Severity.FAIL, "the URL says https, but the server speaks plain HTTP", evidence,
                    List.of("use " + t.shown().replaceFirst("^https:", "http:")));
        }
        if (!t.tls() && http.speaksTls(host, root.getPort())) {
            return new Finding(label, "tls.expected", Severity.FAIL, "the server speaks HTTPS, but the URL says http",
                    Finding.plus(evidence, "a TLS handshake on the same port succeeds"),
                    List.of("use " + t.shown().replaceFirst("^http:", "https:")));
        }
        boolean reset = f.problem() == Problem.RESET || f.problem() == Problem.REFUSED;
        return new Finding(label, reset ? "http.reset" : "http.not-http", Severity.FAIL,
                reset ? "the connection is closed before an answer" : "something answers, but not in HTTP", evidence,
                List.of("see who holds the port: another program, or a proxy or firewall resetting connections"));
    }

    private Finding identity(Target t, Identity id, Answer root) {
        String label = t.label();
        String what = id.kind().display() + id.version().map(v -> " " + v).orElse("");
        if (id.loading()) {
            return new Finding(label, "server.loading", Severity.WARN, what + " is up but still loading its model", id.evidence(),
                    List.of("wait: it answers 503 until the model is in memory; a load that never ends is a model too big for memory"
                            + " (see the server's log)"));
        }
        Optional<ServerKind> expected = t.expected();
        if (id.kind() == ServerKind.OTHER && id.locked()) {
            return new Finding(label, "server.locked", t.api().isPresent() ? Severity.INFO : Severity.WARN,
                    "an OpenAI-compatible server answers, and asks for an API key before it says which", id.evidence(),
                    t.api().isPresent() ? List.of() : List.of("give it its key in the configuration (api_key: under the backend)"
                            + " and run lifeline doctor --config FILE"));
        }
        if (id.kind() == ServerKind.OTHER && (expected.isPresent() || t.mustWork())) {
            List<String> fix = new ArrayList<>();
            fix.add("stop the program that holds port " + t.port() + ", or move the model server to a free port");
            expected.filter(k -> k == ServerKind.OLLAMA).ifPresent(k -> fix.add("Ollama on another port: OLLAMA_HOST=127.0.0.1:11435 ollama serve"));
            List<String> evidence = new ArrayList<>(id.evidence());
            if (Hosts.isLocal(t.host())) {
                local.owner(t.port()).ifPresent(o -> evidence.add("the program: " + o));
            }
            return new Finding(label, "server.squatter", Severity.FAIL, "port " + t.port() + " is held by " + ServerKind.OTHER.display()
                    + expected.map(k -> ", not " + k.display()).orElse(", not a model server Lifeline knows"), evidence, fix);
        }
        if (expected.isPresent() && expected.get() != id.kind() && t.source() != Target.Source.WELL_KNOWN) {
            return new Finding(label, "server.unexpected", Severity.WARN, "answers as " + what + ", not " + expected.get().display(),
                    id.evidence(), List.of("check that " + t.shown() + " is the server you meant"));
        }
        return Finding.ok(label, "server.identified", "answers as " + what, id.evidence().toArray(String[]::new));
    }

    private Finding hostCheck(Target t) {
        return new Finding(t.label(), "http.host-refused", Severity.FAIL, "the server answers 403 with an empty body: Ollama's Host check",
                List.of("Ollama bound to loopback accepts only Host headers such as localhost, 127.0.0.1 or *.local"),
                List.of("a reverse proxy must send Host: localhost:" + t.port() + " (nginx: proxy_set_header Host localhost:" + t.port() + ";)",
                        "or put Lifeline in front: it sends the right Host"));
    }

    /** The base URL leads to the API clients speak: {@code /v1/models} for OpenAI's, {@code /api/tags} for Ollama's. */
    private Finding basePath(Target t, Api api, Connect c) {
        String base = t.shown().replaceAll("/+$", "");
        String direct = (t.tls() ? "https://" : "http://") + c.where() + t.url().getRawPath().replaceAll("/+$", "");
        String probe = api == Api.OPENAI ? "/models" : "/api/tags";
        Result r = http.get(URI.create(direct + probe), t.headers());
        String label = t.label();
        if (r instanceof Answer a && a.status() == 200) {
            return Finding.ok(label, "url.ok", "the base URL leads to the " + (api == Api.OPENAI ? "OpenAI-compatible" : "Ollama") + " API",
                    "GET " + base + probe + ": 200");
        }
        String seen = r instanceof Answer a ? String.valueOf(a.status()) + " " + a.excerpt() : ((Failure) r).message();
        if (r instanceof Answer a && (a.status() == 401 || a.status() == 403)) {
            return new Finding(label, "url.needs-key", Severity.FAIL, "the server asks for an API key the configuration does not send",
                    List.of("GET " + base + probe + ": " + seen),
                    List.of("set api_key for this backend (e.g. api_key: ${LOCAL_API_KEY}), with the key the server was started with"));
        }
        if (api == Api.OPENAI && !base.endsWith("/v1") && http.get(URI.create(direct + "/v1/models"), t.headers()) instanceof Answer v && v.status() == 200) {
            return new Finding(label, "url.missing-v1", Severity.FAIL, "the base URL lacks /v1",
                    List.of("GET " + base + "/models: " + seen, "GET " + base + "/v1/models: 200"), List.of("url: " + base + "/v1"));
        }
        return new Finding(label, "url.wrong", Severity.FAIL, "the base URL does not lead to the " + (api == Api.OPENAI ? "OpenAI-compatible" : "Ollama") + " API",
                List.of("GET " + base + probe + ": " + seen),
                List.of(api == Api.OPENAI ? "OpenAI-compatible servers want the URL up to /v1: url: " + root(t) + "/v1"
                        : "Ollama wants the server's root: url: " + root(t)));
    }

    /**
     * What a web page on another site gets. Ollama refuses foreign origins (403, empty body) unless {@code OLLAMA_ORIGINS}
     * lets them in; llama.cpp lets every origin in. A server that lets any web page call it without a key is open to every
     * site its user visits.
     */
    private Optional<Finding> cors(Target t, URI root, Identity id) {
        String probePath = id.kind() == ServerKind.OLLAMA ? "/api/version" : "/v1/models";
        Map<String, String> headers = new java.util.LinkedHashMap<>(t.headers());
        headers.put("origin", FOREIGN_ORIGIN);
        Result r = http.get(root.resolve(probePath), headers);
        if (!(r instanceof Answer a)) {
            return Optional.empty();
        }
        String allowed = a.header("access-control-allow-origin").orElse("");
        String label = t.label();
        if (a.status() == 200 && (allowed.equals("*") || allowed.equals(FOREIGN_ORIGIN))) {
            List<String> fix = new ArrayList<>();
            if (id.kind() == ServerKind.OLLAMA) {
                fix.add("list only your own apps: OLLAMA_ORIGINS=https://app.example.com (no *), then restart Ollama");
            } else {
                fix.add("start the server with an API key, or keep it on loopback behind Lifeline, which allows only its cors.allow_origins");
            }
            return Optional.of(new Finding(label, "cors.any-origin", Severity.WARN, "any web page can call this server from a browser",
                    List.of("GET " + probePath + " with Origin: " + FOREIGN_ORIGIN + ": " + a.status() + ", Access-Control-Allow-Origin: " + allowed),
                    fix));
        }
        if (id.kind() == ServerKind.OLLAMA && a.status() == 403) {
            return Optional.of(Finding.ok(label, "cors.foreign-refused", "web pages from other sites are refused (403), as they should be",
                    "GET /api/version with Origin: " + FOREIGN_ORIGIN + ": 403",
                    "a browser app of yours that gets 403: add its origin to OLLAMA_ORIGINS, or call Ollama through Lifeline"));
        }
        return Optional.empty();
    }
}
