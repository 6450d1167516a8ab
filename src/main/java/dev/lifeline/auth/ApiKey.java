package dev.lifeline.auth;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One API key as the key file stores it: everything but the secret, of which only the SHA-256 is kept.
 *
 * @param id          8 characters of lowercase base32 ({@code a-z}, {@code 2-7}), unique in the file; the token's middle part
 * @param name        unique among the keys that are not revoked: 1 to 64 of {@code A-Z a-z 0-9 . _ -}
 * @param hash        {@code sha256:} and the lowercase hex SHA-256 of the token's secret part (its ASCII characters)
 * @param models      model-name globs ({@code *}, {@code ?}) the key may use; empty for every model
 * @param localOnly   the key may only be served by local targets, never by cloud ones
 * @param rpm         requests per minute; absent for unlimited
 * @param tpm         tokens per minute; absent for unlimited
 * @param concurrency requests at once; absent for unlimited
 * @param expires     when the key stops working; absent for never
 * @param created     when the key was made
 * @param revoked     when the key was revoked; a revoked key never works again
 * @param admin       the key may use the admin endpoints
 */
public record ApiKey(String id, String name, String hash, List<String> models, boolean localOnly,
                     OptionalInt rpm, OptionalInt tpm, OptionalInt concurrency,
                     Optional<Instant> expires, Instant created, Optional<Instant> revoked, boolean admin) {

    /** What every Lifeline token starts with, so that it is recognisable (in logs, in secret scanners). */
    public static final String TOKEN_PREFIX = "ll_";

    public ApiKey {
        Objects.requireNonNull(id, "id");
        if (!Rules.ID.matcher(id).matches()) {
            throw new IllegalArgumentException("id: " + Rules.quote(id) + " (expected: 8 of a-z and 2-7)");
        }
        Rules.check(Rules.name("name", name));
        Objects.requireNonNull(hash, "hash");
        if (!Rules.HASH.matcher(hash).matches()) {
            throw new IllegalArgumentException("hash: not sha256: and 64 lowercase hex digits");
        }
        Rules.check(Rules.globs("models", models));
        models = List.copyOf(models);
        Rules.check(Rules.limit("rpm", rpm));
        Rules.check(Rules.limit("tpm", tpm));
        Rules.check(Rules.limit("concurrency", concurrency));
        Objects.requireNonNull(expires, "expires");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(revoked, "revoked");
    }

    /** Whether a request for {@code model} (the name the client asked for) is within this key's models. */
    public boolean allowsModel(String model) {
        if (models.isEmpty()) {
            return true;
        }
        if (model == null) {
            return false;
        }
        for (String glob : models) {
            if (Rules.globMatches(glob, model)) {
                return true;
            }
        }
        return false;
    }

    /** Not revoked (whenever that was) and not expired at {@code now}. */
    public boolean activeAt(Instant now) {
        return revoked.isEmpty() && !expiredAt(now);
    }

    public boolean expiredAt(Instant now) {
        return expires.isPresent() && !now.isBefore(expires.get());
    }

    public boolean isRevoked() {
        return revoked.isPresent();
    }

    /** {@code active}, {@code revoked} or {@code expired}, as {@code lifeline keys list} shows it. */
    public String statusAt(Instant now) {
        return revoked.isPresent() ? "revoked" : expiredAt(now) ? "expired" : "active";
    }

    ApiKey withRevoked(Instant when) {
        return new ApiKey(id, name, hash, models, localOnly, rpm, tpm, concurrency, expires, created, Optional.of(when), admin);
    }

    /** Leaves the hash out: it is not a secret, but there is no reason to spread it through logs either. */
    @Override
    public String toString() {
        return "ApiKey[id=" + id + ", name=" + name + ", models=" + models + ", localOnly=" + localOnly + ", rpm=" + rpm
                + ", tpm=" + tpm + ", concurrency=" + concurrency + ", expires=" + expires + ", created=" + created
                + ", revoked=" + revoked + ", admin=" + admin + "]";
    }
}
