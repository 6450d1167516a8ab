package dev.lifeline.auth;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;
import java.util.OptionalInt;

/** How a key is shown as JSON, by {@code lifeline keys list --json} and the admin API: never its hash. */
public final class KeyJson {
    private KeyJson() {
    }

    public static void write(ApiKey k, Instant now, ObjectNode o) {
        o.put("id", k.id());
        o.put("name", k.name());
        o.put("status", k.statusAt(now));
        ArrayNode m = o.putArray("models");
        k.models().forEach(m::add);
        o.put("local_only", k.localOnly());
        o.put("admin", k.admin());
        limit(o, "rpm", k.rpm());
        limit(o, "tpm", k.tpm());
        limit(o, "concurrency", k.concurrency());
        o.put("created", k.created().toString());
        o.put("expires", k.expires().map(Instant::toString).orElse(null));
        o.put("revoked", k.revoked().map(Instant::toString).orElse(null));
    }

    private static void limit(ObjectNode o, String field, OptionalInt v) {
        if (v.isPresent()) {
            o.put(field, v.getAsInt());
        } else {
            o.putNull(field);
        }
    }
}
