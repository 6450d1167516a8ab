package dev.lifeline.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether {@code lifeline monitor} told anyone about the outage: its alert state file records, per check and sink, the
 * last status told and when. An alert for a cloud backend's check sent after the block started is the proof.
 */
final class MonitorAlerts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MonitorAlerts() {
    }

    /** The first alert sent since {@code since} about a check of one of {@code backends}, as evidence; empty if none. */
    static Optional<String> firedSince(Path stateFile, List<String> backends, Instant since) throws DrillException {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(stateFile));
        } catch (IOException e) {
            throw new DrillException("--monitor-state " + stateFile + ": " + e.getMessage());
        }
        for (Iterator<Map.Entry<String, JsonNode>> checks = root.path("checks").fields(); checks.hasNext(); ) {
            Map.Entry<String, JsonNode> check = checks.next();
            String backend = check.getKey().contains("/") ? check.getKey().substring(0, check.getKey().indexOf('/')) : check.getKey();
            if (!backends.contains(backend)) {
                continue;
            }
            for (Iterator<Map.Entry<String, JsonNode>> told = check.getValue().path("told").fields(); told.hasNext(); ) {
                Map.Entry<String, JsonNode> t = told.next();
                String status = t.getValue().path("status").asText("OK");
                Optional<Instant> at = instant(t.getValue().path("at").asText(""));
                if (!status.equals("OK") && at.isPresent() && !at.get().isBefore(since)) {
                    return Optional.of(check.getKey() + " " + status + " told to " + t.getKey() + " at " + at.get());
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Instant> instant(String text) {
        try {
            return Optional.of(Instant.parse(text));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
