package dev.lifeline.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What to create a key with. The constructor checks each field's shape ({@link IllegalArgumentException} with a
 * {@code field: value (expected: ...)} message); {@link KeyStore#create} checks what depends on the store and the
 * time (a name already in use, an expiry in the past).
 */
public record KeySpec(String name, List<String> models, boolean localOnly, OptionalInt rpm, OptionalInt tpm,
                      OptionalInt concurrency, Optional<Instant> expires, boolean admin) {

    public KeySpec {
        Rules.check(Rules.name("name", name));
        Rules.check(Rules.globs("models", models));
        models = List.copyOf(models);
        Rules.check(Rules.limit("rpm", rpm));
        Rules.check(Rules.limit("tpm", tpm));
        Rules.check(Rules.limit("concurrency", concurrency));
        Objects.requireNonNull(expires, "expires");
    }

    /** A key for every model, without limits, expiry or admin rights. */
    public static KeySpec named(String name) {
        return new KeySpec(name, List.of(), false, OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), Optional.empty(), false);
    }

    public KeySpec withModels(List<String> m) {
        return new KeySpec(name, m, localOnly, rpm, tpm, concurrency, expires, admin);
    }

    public KeySpec withLocalOnly(boolean l) {
        return new KeySpec(name, models, l, rpm, tpm, concurrency, expires, admin);
    }

    public KeySpec withRpm(int n) {
        return new KeySpec(name, models, localOnly, OptionalInt.of(n), tpm, concurrency, expires, admin);
    }

    public KeySpec withTpm(int n) {
        return new KeySpec(name, models, localOnly, rpm, OptionalInt.of(n), concurrency, expires, admin);
    }

    public KeySpec withConcurrency(int n) {
        return new KeySpec(name, models, localOnly, rpm, tpm, OptionalInt.of(n), expires, admin);
    }

    public KeySpec withExpires(Instant when) {
        return new KeySpec(name, models, localOnly, rpm, tpm, concurrency, Optional.of(when), admin);
    }

    public KeySpec withAdmin(boolean a) {
        return new KeySpec(name, models, localOnly, rpm, tpm, concurrency, expires, a);
    }
}
