package dev.lifeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lifeline.config.MonitorConfig.Alerts;
import dev.lifeline.config.MonitorConfig.BackendWatch;
import dev.lifeline.config.MonitorConfig.CpuFallback;
import dev.lifeline.config.MonitorConfig.Email;
import dev.lifeline.config.MonitorConfig.Level;
import dev.lifeline.config.MonitorConfig.LogFile;
import dev.lifeline.config.MonitorConfig.Thresholds;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Reads the {@code monitor:} section for {@link ConfigLoader}, reporting problems by path like the rest of the file. */
final class MonitorSection {
    private static final Set<String> KEYS = Set.of("interval", "timeout", "failure_threshold", "renotify", "cpu_fallback", "thresholds",
            "backends", "state_file", "log", "textfile", "alerts");
    private static final Set<String> THRESHOLD_KEYS = Set.of("tokens_per_second", "ttft", "load_time");
    private static final Set<String> LEVEL_KEYS = Set.of("warning", "critical");
    private static final Set<String> WATCH_KEYS = Set.of("models", "inference");
    private static final Set<String> LOG_KEYS = Set.of("file", "max_size", "keep");
    private static final Set<String> ALERT_KEYS = Set.of("slack", "teams", "webhook", "email", "heartbeat");
    private static final Set<String> EMAIL_KEYS = Set.of("host", "port", "tls", "username", "password", "from", "to");

    private final ConfigLoader l;

    MonitorSection(ConfigLoader loader) {
        this.l = loader;
    }

    MonitorConfig read(JsonNode node, Map<String, BackendConfig> backends, JsonNode backendsNode) {
        MonitorConfig d = MonitorConfig.DEFAULT;
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            l.problem("monitor", ConfigLoader.describe(node) + " (expected: a mapping with thresholds, backends, alerts...)");
            return d;
        }
        l.checkKeys("monitor", node, KEYS);
        Duration interval = l.duration(node, "interval", "monitor.interval").orElse(d.interval());
        Duration timeout = l.duration(node, "timeout", "monitor.timeout").orElse(d.timeout());
        int failureThreshold = l.integer(node, "failure_threshold", "monitor.failure_threshold", 1, 100).orElse(d.failureThreshold());
        Optional<Duration> renotify = offOr(node, "renotify", "monitor.renotify", "a duration such as 4h, or off");
        CpuFallback cpu = l.optionalText(node, "cpu_fallback", "monitor.cpu_fallback").flatMap(t -> {
            try {
                return Optional.of(CpuFallback.valueOf(t.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                l.problem("monitor.cpu_fallback", ConfigLoader.quote(t) + " (expected: warning, critical or ignore)");
                return Optional.empty();
            }
        }).orElse(d.cpuFallback());
        Thresholds thresholds = thresholds(node.get("thresholds"));
        Map<String, BackendWatch> watches = watches(node.get("backends"), backends, backendsNode);
        Optional<Path> stateFile = l.optionalText(node, "state_file", "monitor.state_file").map(l::path);
        Optional<LogFile> log = log(node.get("log"));
        Optional<Path> textfile = l.optionalText(node, "textfile", "monitor.textfile").map(l::path);
        textfile.filter(p -> !p.getFileName().toString().endsWith(".prom")).ifPresent(p -> l.problem("monitor.textfile",
                ConfigLoader.quote(p.toString()) + " (expected: a file ending in .prom; node_exporter's textfile collector reads only those)"));
        Alerts alerts = alerts(node.get("alerts"));
        return new MonitorConfig(watches, thresholds, cpu, failureThreshold, renotify, interval, timeout, stateFile, log, textfile, alerts);
    }

    private Optional<Duration> offOr(JsonNode parent, String key, String path, String expected) {
        Optional<String> t = l.optionalText(parent, key, path);
        if (t.isEmpty() || off(t.get())) {
            return Optional.empty();
        }
        Optional<Duration> d = Durations.parse(t.get()).filter(x -> !x.isZero() && !x.isNegative());
        if (d.isEmpty()) {
            l.problem(path, ConfigLoader.quote(t.get()) + " (expected: " + expected + ")");
        }
        return d;
    }

    /** {@code off}; YAML reads an unquoted off as false. */
    private static boolean off(String t) {
        return t.equals("off") || t.equals("false");
    }

    private Thresholds thresholds(JsonNode node) {
        Thresholds d = Thresholds.DEFAULT;
        if (node == null || node.isNull()) {
            return d;
        }
        if (!node.isObject()) {
            l.problem("monitor.thresholds", ConfigLoader.describe(node) + " (expected: a mapping with tokens_per_second, ttft, load_time)");
            return d;
        }
        l.checkKeys("monitor.thresholds", node, THRESHOLD_KEYS);
        Level<Double> rate = level(node.get("tokens_per_second"), "monitor.thresholds.tokens_per_second", d.tokensPerSecond(),
                this::rate, "a number of tokens per second such as 5");
        Level<Duration> ttft = level(node.get("ttft"), "monitor.thresholds.ttft", d.ttft(), t -> Durations.parse(t).filter(x -> !x.isZero()),
                "a duration such as 10s");
        Level<Duration> load = level(node.get("load_time"), "monitor.thresholds.load_time", d.loadTime(),
                t -> Durations.parse(t).filter(x -> !x.isZero()), "a duration such as 30s");
        if (rate.warning().isPresent() && rate.critical().isPresent() && rate.critical().get() > rate.warning().get()) {
            l.problem("monitor.thresholds.tokens_per_second", "critical " + ConfigLoader.number(rate.critical().get()) + " above warning "
                    + ConfigLoader.number(rate.warning().get()) + " (expected: critical below warning: fewer tokens per second is worse)");
        }
        for (var e : Map.of("ttft", ttft, "load_time", load).entrySet()) {
            Level<Duration> v = e.getValue();
            if (v.warning().isPresent() && v.critical().isPresent() && v.critical().get().compareTo(v.warning().get()) < 0) {
                l.problem("monitor.thresholds." + e.getKey(), "critical below warning (expected: critical at least as long as warning)");
            }
        }
        return new Thresholds(rate, ttft, load);
    }

    private Optional<Double> rate(String t) {
        try {
            double v = Double.parseDouble(t);
            return v > 0 && Double.isFinite(v) ? Optional.of(v) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code {warning: X, critical: Y}}, either may be {@code off}; a level not given keeps its default. */
    private <T> Level<T> level(JsonNode node, String path, Level<T> fallback, Function<String, Optional<T>> parse, String expected) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (node.isValueNode() && off(node.asText())) {
            return new Level<>(Optional.empty(), Optional.empty());
        }
        if (!node.isObject()) {
            l.problem(path, ConfigLoader.describe(node) + " (expected: {warning: ..., critical: ...}, or off)");
            return fallback;
        }
        l.checkKeys(path, node, LEVEL_KEYS);
        return new Level<>(one(node, "warning", path, fallback.warning(), parse, expected), one(node, "critical", path, fallback.critical(), parse, expected));
    }

    private <T> Optional<T> one(JsonNode node, String key, String path, Optional<T> fallback, Function<String, Optional<T>> parse, String expected) {
        if (!node.has(key)) {
            return fallback;
        }
        Optional<String> t = l.optionalText(node, key, path + "." + key);
        if (t.isEmpty() || off(t.get())) {
            return Optional.empty();
        }
        Optional<T> v = parse.apply(t.get());
        if (v.isEmpty()) {
            l.problem(path + "." + key, ConfigLoader.quote(t.get()) + " (expected: " + expected + ", or off)");
        }
        return v;
    }

    private Map<String, BackendWatch> watches(JsonNode node, Map<String, BackendConfig> backends, JsonNode backendsNode) {
        Map<String, BackendWatch> out = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            l.problem("monitor.backends", ConfigLoader.describe(node) + " (expected: backend names mapped to {models, inference})");
            return out;
        }
        node.fields().forEachRemaining(e -> {
            String path = "monitor.backends." + e.getKey();
            if (!backends.containsKey(e.getKey()) && (backendsNode == null || !backendsNode.has(e.getKey()))) {
                l.problem(path, "no such backend (expected: one of " + String.join(", ", backends.keySet()) + ")");
                return;
            }
            JsonNode w = e.getValue();
            if (!w.isObject()) {
                l.problem(path, ConfigLoader.describe(w) + " (expected: a mapping with models and inference)");
                return;
            }
            l.checkKeys(path, w, WATCH_KEYS);
            Optional<List<String>> models = Optional.empty();
            JsonNode m = w.get("models");
            if (m != null && !m.isNull()) {
                if (!m.isArray()) {
                    l.problem(path + ".models", ConfigLoader.describe(m) + " (expected: a list of model names, e.g. [llama3.1:8b])");
                } else {
                    List<String> names = new ArrayList<>();
                    for (int i = 0; i < m.size(); i++) {
                        l.text(m.get(i), path + ".models[" + i + "]").filter(s -> !s.isBlank()).ifPresent(names::add);
                    }
                    models = Optional.of(names);
                }
            }
            Optional<Boolean> inference = w.has("inference") ? Optional.of(l.bool(w, "inference", path + ".inference", false)) : Optional.empty();
            out.put(e.getKey(), new BackendWatch(models, inference));
        });
        return out;
    }

    private Optional<LogFile> log(JsonNode node) {
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isValueNode()) {
            return l.text(node, "monitor.log").map(t -> LogFile.of(l.path(t)));
        }
        if (!node.isObject()) {
            l.problem("monitor.log", ConfigLoader.describe(node) + " (expected: a file path, or {file, max_size, keep})");
            return Optional.empty();
        }
        l.checkKeys("monitor.log", node, LOG_KEYS);
        Optional<Path> file = l.optionalText(node, "file", "monitor.log.file").map(l::path);
        long size = l.optionalText(node, "max_size", "monitor.log.max_size").map(t -> l.parseSize("monitor.log.max_size", t)).orElse(LogFile.DEFAULT_MAX_BYTES);
        int keep = l.integer(node, "keep", "monitor.log.keep", 0, 1000).orElse(LogFile.DEFAULT_KEEP);
        if (file.isEmpty()) {
            l.problem("monitor.log.file", "missing (expected: the path of the JSON-lines log)");
        }
        return file.map(f -> new LogFile(f, size, keep));
    }

    private Alerts alerts(JsonNode node) {
        if (node == null || node.isNull()) {
            return Alerts.NONE;
        }
        if (!node.isObject()) {
            l.problem("monitor.alerts", ConfigLoader.describe(node) + " (expected: a mapping with slack, teams, webhook, email, heartbeat)");
            return Alerts.NONE;
        }
        l.checkKeys("monitor.alerts", node, ALERT_KEYS);
        Optional<Secret> teams = url(node, "teams");
        teams.filter(t -> host(t).endsWith("webhook.office.com")).ifPresent(t -> l.problem("monitor.alerts.teams",
                "an Office 365 connector URL (webhook.office.com); Microsoft retired those connectors (expected: the URL of a Teams"
                        + " Workflows webhook: in Teams, Workflows > \"Send webhook alerts to a channel\")"));
        return new Alerts(url(node, "slack"), teams, url(node, "webhook"), email(node.get("email")), url(node, "heartbeat"));
    }

    /** A webhook URL. It is a secret (whoever has it can post), so a problem never quotes it. */
    private Optional<Secret> url(JsonNode parent, String key) {
        String path = "monitor.alerts." + key;
        Optional<String> t = l.optionalText(parent, key, path).map(String::strip).filter(s -> !s.isEmpty());
        if (t.isEmpty()) {
            return Optional.empty();
        }
        try {
            URI u = new URI(t.get());
            if (!("https".equals(u.getScheme()) || "http".equals(u.getScheme())) || u.getHost() == null) {
                l.problem(path, "not an http(s) URL with a host (expected: the webhook URL the service gave you; not repeated here, it is a secret)");
                return Optional.empty();
            }
        } catch (URISyntaxException e) {
            l.problem(path, "not a URL: " + e.getReason().replace(t.get(), "...") + " (expected: the webhook URL the service gave you)");
            return Optional.empty();
        }
        return Optional.of(new Secret(t.get()));
    }

    private static String host(Secret url) {
        return Optional.ofNullable(URI.create(url.value()).getHost()).orElse("").toLowerCase(Locale.ROOT);
    }

    private Optional<Email> email(JsonNode node) {
        String path = "monitor.alerts.email";
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (!node.isObject()) {
            l.problem(path, ConfigLoader.describe(node) + " (expected: a mapping with host, from, to...)");
            return Optional.empty();
        }
        l.checkKeys(path, node, EMAIL_KEYS);
        Optional<String> host = l.optionalText(node, "host", path + ".host");
        Email.Tls tls = l.optionalText(node, "tls", path + ".tls").flatMap(t -> switch (t.toLowerCase(Locale.ROOT)) {
            case "starttls", "true" -> Optional.of(Email.Tls.STARTTLS);
            case "tls", "ssl" -> Optional.of(Email.Tls.TLS);
            case "none", "off", "false" -> Optional.of(Email.Tls.NONE);
            default -> {
                l.problem(path + ".tls", ConfigLoader.quote(t) + " (expected: starttls (port 587), tls (port 465) or none)");
                yield Optional.empty();
            }
        }).orElse(Email.Tls.STARTTLS);
        int port = l.integer(node, "port", path + ".port", 1, 65535).orElse(switch (tls) {
            case STARTTLS -> 587;
            case TLS -> 465;
            case NONE -> 25;
        });
        Optional<String> username = l.optionalText(node, "username", path + ".username").filter(s -> !s.isBlank());
        Optional<Secret> password = l.optionalText(node, "password", path + ".password").map(Secret::new);
        Optional<String> from = l.optionalText(node, "from", path + ".from");
        List<String> to = new ArrayList<>();
        JsonNode toNode = node.get("to");
        if (toNode != null && toNode.isArray()) {
            for (int i = 0; i < toNode.size(); i++) {
                l.text(toNode.get(i), path + ".to[" + i + "]").ifPresent(to::add);
            }
        } else if (toNode != null && !toNode.isNull()) {
            l.text(toNode, path + ".to").ifPresent(t -> to.addAll(List.of(t.split("\\s*,\\s*"))));
        }
        if (host.isEmpty()) {
            l.problem(path + ".host", "missing (expected: the SMTP server, e.g. smtp.example.com)");
        }
        if (from.isEmpty()) {
            l.problem(path + ".from", "missing (expected: the sender address, e.g. lifeline@example.com)");
        }
        if (to.isEmpty()) {
            l.problem(path + ".to", "missing (expected: one or more recipient addresses)");
        }
        for (String a : to) {
            if (!a.matches("[^@\\s]+@[^@\\s]+")) {
                l.problem(path + ".to", ConfigLoader.quote(a) + " (expected: an email address)");
            }
        }
        from.filter(a -> !a.matches("[^@\\s<>]+@[^@\\s<>]+|.*<[^@\\s<>]+@[^@\\s<>]+>")).ifPresent(a ->
                l.problem(path + ".from", ConfigLoader.quote(a) + " (expected: an email address, or Name <address>)"));
        if (tls == Email.Tls.NONE && username.isPresent()) {
            l.problem(path + ".tls", "none with a username (expected: starttls or tls: a login over an unencrypted connection gives the"
                    + " password away; tls: none is for a relay without login)");
        }
        if (password.isPresent() && username.isEmpty()) {
            l.problem(path + ".username", "missing while password is set (expected: the SMTP login)");
        }
        if (host.isEmpty() || from.isEmpty() || to.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Email(host.get(), port, tls, username, password, from.get(), to));
    }
}
