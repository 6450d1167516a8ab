package dev.lifeline.routing;

import dev.lifeline.config.Config;
import dev.lifeline.config.RouteConfig;
import dev.lifeline.config.TargetConfig;

import java.util.List;
import java.util.regex.Pattern;

/** A configured route with its name pattern compiled. */
public final class Route {
    private final RouteConfig config;
    private final Pattern pattern;
    private final Config root;

    Route(RouteConfig config, Config root) {
        this.config = config;
        this.root = root;
        this.pattern = config.isGlob() ? Pattern.compile(globToRegex(config.model())) : null;
    }

    public String name() {
        return config.model();
    }

    public boolean isGlob() {
        return pattern != null;
    }

    boolean matches(String model) {
        return pattern == null ? config.model().equals(model) : pattern.matcher(model).matches();
    }

    public List<TargetConfig> targetConfigs() {
        return config.targets();
    }

    /** The targets for a client asking for {@code clientModel}: targets without a model keep the client's. */
    public List<Target> targetsFor(String clientModel) {
        return config.targets().stream()
                .map(t -> new Target(root.backend(t.backend()), t.model().orElse(clientModel), t))
                .toList();
    }

    static String globToRegex(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.toString();
    }
}
