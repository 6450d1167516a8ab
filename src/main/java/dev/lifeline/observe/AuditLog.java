package dev.lifeline.observe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * Security events as JSON lines (logger {@code lifeline.audit}): failed authentications, refused keys, admin
 * actions, key file changes. Each line has the event, the time, and whatever identifies it (request id, client
 * address, key id); never a token, a hash or a backend credential.
 */
public final class AuditLog {
    private static final Logger AUDIT = LoggerFactory.getLogger("lifeline.audit");
    private static final JsonFactory JSON = new JsonFactory();

    private AuditLog() {
    }

    /** Writes one event; {@code fields} in the given order, null values left out. */
    public static void event(String event, Map<String, ?> fields) {
        if (!AUDIT.isInfoEnabled()) {
            return;
        }
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("time", Instant.now().toString());
            g.writeStringField("audit", event);
            for (Map.Entry<String, ?> e : fields.entrySet()) {
                if (e.getValue() instanceof Number n) {
                    g.writeNumberField(e.getKey(), n.longValue());
                } else if (e.getValue() instanceof Boolean b) {
                    g.writeBooleanField(e.getKey(), b);
                } else if (e.getValue() != null) {
                    g.writeStringField(e.getKey(), String.valueOf(e.getValue()));
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AUDIT.info(out.toString());
    }
}
