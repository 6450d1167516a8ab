package dev.lifeline.monitor.output;

import dev.lifeline.monitor.Report;
import dev.lifeline.probe.Check;
import dev.lifeline.probe.Measure;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The latest monitor report as Prometheus metrics, for node_exporter's textfile collector (one-shot runs under cron)
 * or a {@code /metrics} endpoint ({@code --watch}), so Grafana can graph tokens per second and alert on a check:
 * <pre>
 * lifeline_monitor_check_status{backend="ollama",check="gpu"} 1.0       0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN
 * lifeline_monitor_check_ok{backend="ollama",check="gpu"} 0.0
 * lifeline_monitor_tokens_per_second{backend="ollama",model="llama3.1:8b"} 6.2
 * lifeline_monitor_ttft_seconds{backend="ollama",model="llama3.1:8b"} 1.8
 * lifeline_monitor_response_time_seconds{backend="ollama"} 0.012
 * lifeline_monitor_last_run_timestamp_seconds 1.748772E9
 * lifeline_monitor_runs_total 12.0
 * </pre>
 * Each measure becomes a gauge named after it with its unit's suffix ({@code _seconds}, {@code _percent}), labelled
 * by backend, and by model when it was taken on one. Only the latest report is shown: a backend taken out of the
 * configuration, or a measure not taken this time (no inference when the service is down), is gone from the output
 * rather than left at its old value, which would look healthy. Each update builds a complete new snapshot and swaps
 * it in, so a scrape never sees half of one report and half of the next. {@code runs_total} counts the updates made
 * by this process.
 */
public final class MonitorMetrics {
    private static final String PREFIX = "lifeline_monitor_";
    private static final Set<String> FIXED = Set.of("check_status", "check_ok", "last_run_timestamp_seconds", "runs", "runs_total");
    private static final PrometheusTextFormatWriter TEXT = PrometheusTextFormatWriter.create();

    private long runs;
    private volatile MetricSnapshots latest = snapshot(Optional.empty(), 0);

    /** Replaces the published values with this report's. */
    public synchronized void update(Report report) {
        runs++;
        latest = snapshot(Optional.of(report), runs);
    }

    /** Writes the metrics in the Prometheus text format 0.0.4 (see {@link #contentType()}). */
    public void write(OutputStream out) throws IOException {
        TEXT.write(out, latest);
    }

    /** The metrics in the text format, as bytes. */
    public byte[] scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** {@code text/plain; version=0.0.4; charset=utf-8}. */
    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }

    /**
     * Writes the metrics for node_exporter's textfile collector (e.g. {@code /var/lib/node_exporter/textfile/lifeline.prom}).
     * The collector may read at any moment, so the text goes to a hidden temporary file in the same directory (a
     * rename is atomic only within one file system) which is flushed to disk and then renamed over the old file: a
     * reader sees the previous metrics or the new ones, never part of a file. The file is made readable by all,
     * since node_exporter usually runs as another user. Creates the directory when missing.
     *
     * @throws IOException naming the file and what to do, when it cannot be written
     */
    public void writeTextfile(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        byte[] text = scrape();
        Path temp = null;
        try {
            Files.createDirectories(dir);
            // not ending in .prom: the collector reads only *.prom, so it never picks up the temporary file
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(text);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(false); // the rename must not reach the disk before the content does
            }
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
            throw new IOException("cannot write the Prometheus textfile " + target + ": " + Problems.reason(e)
                    + ". Make sure " + dir + " exists and is writable by " + Problems.user()
                    + " (it is usually node_exporter's --collector.textfile.directory), or configure another textfile path.", e);
        }
    }

    private static MetricSnapshots snapshot(Optional<Report> report, long runs) {
        PrometheusRegistry registry = new PrometheusRegistry();
        Counter.builder().name(PREFIX + "runs_total").help("Monitor runs made by this process")
                .withoutExemplars().register(registry).inc(runs);
        if (report.isEmpty()) {
            return registry.scrape();
        }
        Report r = report.get();
        Gauge.builder().name(PREFIX + "last_run_timestamp_seconds").help("When the latest monitor run started, in seconds since the epoch")
                .withoutExemplars().register(registry).set(r.at().toEpochMilli() / 1000.0);
        Gauge status = Gauge.builder().name(PREFIX + "check_status")
                .help("Outcome of each check as its exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
                .labelNames("backend", "check").withoutExemplars().register(registry);
        Gauge ok = Gauge.builder().name(PREFIX + "check_ok").help("1 when the check passed, 0 otherwise")
                .labelNames("backend", "check").withoutExemplars().register(registry);
        for (Check c : r.checks()) {
            status.labelValues(c.backend(), c.name()).set(c.status().exitCode());
            ok.labelValues(c.backend(), c.name()).set(c.status().isOk() ? 1 : 0);
        }
        measures(r).forEach((name, taken) -> {
            boolean perModel = taken.stream().anyMatch(t -> t.measure().model().isPresent());
            Gauge g = Gauge.builder().name(PREFIX + name).help(help(taken.getFirst().measure()))
                    .labelNames(perModel ? new String[] {"backend", "model"} : new String[] {"backend"})
                    .withoutExemplars().register(registry);
            Set<List<String>> set = new HashSet<>();
            for (Taken t : taken) {
                if (!set.add(List.of(t.backend(), t.measure().model().orElse("")))) {
                    continue; // a measure given twice counts once, the first time, as in the Nagios output
                }
                if (perModel) {
                    g.labelValues(t.backend(), t.measure().model().orElse("")).set(t.measure().value());
                } else {
                    g.labelValues(t.backend()).set(t.measure().value());
                }
            }
        });
        return registry.scrape();
    }

    /** The measures by metric name (without the prefix), in report order; a name the fixed metrics use is skipped. */
    private static Map<String, List<Taken>> measures(Report r) {
        Map<String, List<Taken>> byName = new LinkedHashMap<>();
        for (Check c : r.checks()) {
            for (Measure m : c.measures()) {
                String name = Units.suffixed(m).replaceAll("[^a-zA-Z0-9_]", "_");
                if (!FIXED.contains(name)) {
                    byName.computeIfAbsent(name, k -> new ArrayList<>()).add(new Taken(c.backend(), m));
                }
            }
        }
        return byName;
    }

    /** What the measures the checks take mean; another measure is described by its name and unit. */
    private static String help(Measure m) {
        return switch (m.name()) {
            case "ttft" -> "Time to the first token of the test inference, in seconds";
            case "tokens_per_second" -> "Tokens per second the test inference generated";
            case "load_time" -> "Time the backend took to load the model for the test inference, in seconds";
            case "gpu_offload" -> "Share of the model held in GPU memory, in percent (0: it runs on the CPU)";
            case "response_time" -> "Time the backend took to answer the service check, in seconds";
            case "models_missing" -> "Configured models the backend does not have";
            default -> m.name().replace('_', ' ') + " measured by the latest monitor run" + switch (m.unit()) {
                case "s" -> ", in seconds";
                case "%" -> ", in percent";
                case "" -> "";
                default -> ", in " + m.unit();
            };
        };
    }

    private record Taken(String backend, Measure measure) {
    }
}
