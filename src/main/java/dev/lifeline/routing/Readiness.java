package dev.lifeline.routing;

import java.util.List;

/** Whether every route can serve right now, and which of its targets are usable. */
public record Readiness(boolean ready, boolean contingency, List<RouteState> routes) {
    public Readiness {
        routes = List.copyOf(routes);
    }

    public record RouteState(String route, List<String> usable, List<String> down) {
        public RouteState {
            usable = List.copyOf(usable);
            down = List.copyOf(down);
        }
    }
}
