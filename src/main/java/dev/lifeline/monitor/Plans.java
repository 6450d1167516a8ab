package dev.lifeline.monitor;

import dev.lifeline.config.BackendConfig;
import dev.lifeline.config.Config;
import dev.lifeline.config.MonitorConfig;
import dev.lifeline.config.MonitorConfig.BackendWatch;
import dev.lifeline.config.RouteConfig;
import dev.lifeline.config.TargetConfig;
import dev.lifeline.probe.CheckPlan;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What to check on each configured backend. A backend's required models are the operator's list
 * ({@code monitor.backends.NAME.models}), or else every model a route sends to it: a fallback whose model was
 * deleted fails exactly when it is needed. The test inference runs on local backends by default (it costs nothing
 * there) and on the first required model.
 */
public final class Plans {
    private Plans() {
    }

    public static List<CheckPlan> from(Config config) {
        MonitorConfig m = config.monitor();
        List<CheckPlan> plans = new ArrayList<>();
        for (BackendConfig b : config.backends().values()) {
            BackendWatch w = m.backends().getOrDefault(b.name(), new BackendWatch(Optional.empty(), Optional.empty()));
            List<String> models = w.models().orElseGet(() -> routedModels(config, b.name()));
            boolean inference = w.inference().orElse(!b.cloud());
            plans.add(new CheckPlan(b, models, inference ? models.stream().findFirst() : Optional.empty(), m.thresholds(), m.cpuFallback(),
                    m.timeout()));
        }
        return plans;
    }

    static List<String> routedModels(Config config, String backend) {
        Set<String> models = new LinkedHashSet<>();
        for (RouteConfig r : config.routes()) {
            for (TargetConfig t : r.targets()) {
                if (t.backend().equals(backend)) {
                    t.model().ifPresent(models::add);
                }
            }
        }
        return List.copyOf(models);
    }
}
