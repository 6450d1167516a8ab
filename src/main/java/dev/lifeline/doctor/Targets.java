package dev.lifeline.doctor;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.doctor.Target.Api;
import dev.lifeline.doctor.Target.Source;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** Which servers to examine: the configuration's local backends, then every well-known port no backend already covers. */
public final class Targets {
    private Targets() {
    }

    /** The configuration's backends that are not cloud services, in their order. */
    public static List<Target> configured(Config config) {
        List<Target> out = new ArrayList<>();
        for (BackendConfig b : config.backends().values()) {
            if (b.cloud()) {
                continue;
            }
            Optional<Api> api = switch (b.dialect()) {
                case OLLAMA -> Optional.of(Api.OLLAMA);
                case OPENAI -> Optional.of(Api.OPENAI);
                case ANTHROPIC -> Optional.empty();
            };
            Optional<ServerKind> expected = b.dialect() == BackendConfig.Dialect.OLLAMA ? Optional.of(ServerKind.OLLAMA)
                    : unique(ServerKind.usualOn(port(b.url())));
            Map<String, String> headers = new LinkedHashMap<>(b.headers());
            b.apiKey().ifPresent(k -> headers.put("authorization", "Bearer " + k.value()));
            out.add(new Target(b.name(), Source.CONFIGURED, b.url(), expected, api, headers));
        }
        return out;
    }

    /** One server named on the command line; its API is guessed from the path ({@code /v1} is OpenAI's). */
    public static Target given(URI url) {
        String path = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
        Optional<Api> api = path.isEmpty() ? Optional.empty() : path.endsWith("/v1") ? Optional.of(Api.OPENAI) : Optional.empty();
        return new Target(url.getHost() + ":" + port(url), Source.COMMAND_LINE, url, unique(ServerKind.usualOn(port(url))), api, Map.of());
    }

    /** The well-known ports on this machine, one target each, less those a configured loopback target already covers. */
    public static List<Target> wellKnown(List<Target> covered) {
        Map<Integer, List<ServerKind>> byPort = new LinkedHashMap<>();
        for (ServerKind k : ServerKind.values()) {
            for (int p : k.ports()) {
                byPort.computeIfAbsent(p, x -> new ArrayList<>()).add(k);
            }
        }
        TreeSet<Integer> taken = covered.stream().filter(t -> Hosts.isLocal(t.host())).map(Target::port)
                .collect(Collectors.toCollection(TreeSet::new));
        List<Target> out = new ArrayList<>();
        byPort.forEach((port, kinds) -> {
            if (!taken.contains(port)) {
                String name = kinds.stream().map(ServerKind::display).collect(Collectors.joining(" or "));
                out.add(new Target(name, Source.WELL_KNOWN, URI.create("http://localhost:" + port), unique(kinds), Optional.empty(), Map.of()));
            }
        });
        return out;
    }

    private static Optional<ServerKind> unique(List<ServerKind> kinds) {
        return kinds.size() == 1 ? Optional.of(kinds.getFirst()) : Optional.empty();
    }

    private static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }
}
