package dev.lifeline.routing;

import java.util.Optional;

/**
 * What active health checks know about backends. The engine does not route by it (breakers do that, from real
 * traffic); readiness reports it.
 */
public interface BackendHealth {
    /** Why the backend is known to be unreachable right now, or empty if it is not known to be down. */
    Optional<String> down(String backend);

    BackendHealth UNKNOWN = backend -> Optional.empty();
}
