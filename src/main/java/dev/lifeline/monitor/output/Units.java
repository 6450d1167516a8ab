package dev.lifeline.monitor.output;

import dev.lifeline.probe.Measure;

/** How a measure's unit shows in a name: Prometheus' base-unit suffixes, which the log file uses too. */
final class Units {
    private Units() {
    }

    /**
     * {@code ttft} in {@code s} is {@code ttft_seconds}, {@code gpu_offload} in {@code %} is
     * {@code gpu_offload_percent}, a plain number keeps its name; a name that already ends in its suffix keeps it once.
     */
    static String suffixed(Measure m) {
        String suffix = switch (m.unit()) {
            case "s" -> "_seconds";
            case "%" -> "_percent";
            case "" -> "";
            default -> "_" + m.unit();
        };
        return m.name().endsWith(suffix) ? m.name() : m.name() + suffix;
    }
}
