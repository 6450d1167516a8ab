package dev.lifeline.monitor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.monitor.AlertState.CheckState;
import dev.lifeline.monitor.AlertState.Told;
import dev.lifeline.probe.Status;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The alert state on disk: a small JSON file, replaced whole (temp file, then rename) so a crash never leaves half of
 * it, and used under a lock on a sibling {@code .lock} file so that two overlapping cron runs take turns instead of
 * both alerting. A file that cannot be read is moved aside as {@code .corrupt}, never silently overwritten.
 */
public final class StateFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;

    public StateFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** {@code $XDG_STATE_HOME/lifeline/monitor-state.json}, or under {@code ~/.local/state}. */
    public static Path defaultPath(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
        return base.resolve("lifeline").resolve("monitor-state.json");
    }

    /** Holds the lock while the caller reads, alerts and writes. */
    public Lock lock() throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        FileChannel ch = FileChannel.open(path.resolveSibling(path.getFileName() + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return new Lock(ch, ch.lock());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public record Lock(FileChannel channel, FileLock lock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try (channel) {
                lock.release();
            }
        }
    }

    /**
     * The remembered state; empty when there is no file yet. A file that is not our JSON is moved aside, and the
     * returned warning says so.
     */
    public Loaded load() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            return new Loaded(AlertState.EMPTY, Optional.empty());
        }
        try {
            return new Loaded(parse(JSON.readTree(bytes)), Optional.empty());
        } catch (IOException | RuntimeException e) {
            Path aside = path.resolveSibling(path.getFileName() + ".corrupt");
            Files.move(path, aside, StandardCopyOption.REPLACE_EXISTING);
            return new Loaded(AlertState.EMPTY, Optional.of("the alert state in " + path + " could not be read; it was moved to " + aside
                    + " and alerting starts afresh (a problem that persists is announced again)"));
        }
    }

    public record Loaded(AlertState state, Optional<String> warning) {
    }

    public void save(AlertState state) throws IOException {
        ObjectNode root = JSON.createObjectNode().put("version", 1);
        ObjectNode checks = root.putObject("checks");
        state.checks().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            CheckState s = e.getValue();
            ObjectNode c = checks.putObject(e.getKey()).put("status", s.status().name()).put("failures", s.failures())
                    .put("alerting", s.alerting().name());
            ObjectNode told = c.putObject("told");
            s.told().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(t ->
                    told.putObject(t.getKey()).put("status", t.getValue().status().name()).put("at", t.getValue().at().toString()));
        });
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, path.getFileName().toString(), ".tmp");
        try {
            Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static AlertState parse(JsonNode root) {
        if (root.path("version").asInt() != 1 || !root.path("checks").isObject()) {
            throw new IllegalArgumentException("not a lifeline monitor state file");
        }
        Map<String, CheckState> checks = new LinkedHashMap<>();
        root.path("checks").fields().forEachRemaining(e -> {
            JsonNode c = e.getValue();
            Map<String, Told> told = new LinkedHashMap<>();
            c.path("told").fields().forEachRemaining(t ->
                    told.put(t.getKey(), new Told(Status.valueOf(t.getValue().path("status").asText()), Instant.parse(t.getValue().path("at").asText()))));
            checks.put(e.getKey(), new CheckState(Status.valueOf(c.path("status").asText()), c.path("failures").asInt(),
                    Status.valueOf(c.path("alerting").asText()), told));
        });
        return new AlertState(checks);
    }
}
