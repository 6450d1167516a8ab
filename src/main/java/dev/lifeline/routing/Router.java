package dev.lifeline.routing;

import dev.lifeline.config.Config;

import java.util.List;
import java.util.Optional;

/**
 * Finds the route for a model name: a route named exactly so wins; otherwise globs are tried in configuration order
 * and the first match wins.
 */
public final class Router {
    private final List<Route> routes;

    public Router(Config config) {
        this.routes = config.routes().stream().map(r -> new Route(r, config)).toList();
    }

    public Optional<Route> route(String model) {
        for (Route r : routes) {
            if (!r.isGlob() && r.matches(model)) {
                return Optional.of(r);
            }
        }
        for (Route r : routes) {
            if (r.isGlob() && r.matches(model)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    public List<Route> routes() {
        return routes;
    }

    /** The model names a client can ask for by name (globs are not names). */
    public List<String> modelNames() {
        return routes.stream().filter(r -> !r.isGlob()).map(Route::name).distinct().toList();
    }
}
