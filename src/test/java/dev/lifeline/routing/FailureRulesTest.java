package dev.lifeline.routing;

import dev.lifeline.routing.Decision.Next;
import dev.lifeline.routing.Decision.Retry;
import dev.lifeline.routing.Decision.Stop;
import dev.lifeline.backend.Failure;
import dev.lifeline.backend.Failure.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The failover policy, rule by rule: what happens to a request after each kind of failed attempt. */
class FailureRulesTest {
    private static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

    private static Decision decide(Failure f, int retriesUsed) {
        return FailureRules.decide(f, retriesUsed, 1, MAX_RETRY_AFTER, OptionalLong.empty());
    }

    private static Failure status(int status, String code) {
        return Failure.status(status, Optional.ofNullable(code), Optional.empty(), new byte[0], "application/json");
    }

    private static Failure status(int status, String code, Duration retryAfter) {
        return Failure.status(status, Optional.ofNullable(code), Optional.of(retryAfter), new byte[0], "application/json");
    }

    // ------------------------------------------------------------------ transport

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"CONNECT_REFUSED", "RESET", "DNS", "TLS"})
    void transportErrorIsRetriedAtOnceThenMovesOn(Kind kind) {
        Failure f = Failure.of(kind, "x");

        assertThat(decide(f, 0)).isInstanceOfSatisfying(Retry.class, r -> {
            assertThat(r.delay()).isZero();
            assertThat(r.rule()).contains("retry");
        });
        assertThat(decide(f, 1)).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.coolDown()).isEmpty();
            assertThat(n.rule()).contains("next target");
        });
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"CONNECT_TIMEOUT", "FIRST_TOKEN_TIMEOUT", "RESPONSE_TIMEOUT"})
    void silentUpstreamIsNeverRetried(Kind kind) {
        Decision d = FailureRules.decide(Failure.of(kind, "x"), 0, 5, MAX_RETRY_AFTER, OptionalLong.empty());

        assertThat(d).isInstanceOfSatisfying(Next.class, n -> assertThat(n.rule()).contains("never retry"));
    }

    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"IDLE_TIMEOUT", "MALFORMED", "TRUNCATED"})
    void brokenResponseMovesOn(Kind kind) {
        assertThat(decide(Failure.of(kind, "x"), 0)).isInstanceOf(Next.class);
    }

    @Test
    void errorInsideASuccessIsRetriedWithBackoffThenMovesOn() {
        Failure f = Failure.of(Kind.IN_BAND_ERROR, "server_error");

        assertThat(decide(f, 0)).isInstanceOfSatisfying(Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofMillis(187), Duration.ofMillis(250)));
        assertThat(decide(f, 1)).isInstanceOf(Next.class);
    }

    @Test
    void clientGoneStopsEverything() {
        assertThat(decide(Failure.of(Kind.CLIENT_CANCELLED, "x"), 0)).isInstanceOf(Stop.class);
    }

    // ------------------------------------------------------------------ overload

    @Test
    void shortRetryAfterIsWaitedForOnTheSameTarget() {
        Decision d = decide(status(429, "rate_limit_exceeded", Duration.ofSeconds(2)), 0);

        assertThat(d).isInstanceOfSatisfying(Retry.class, r -> {
            assertThat(r.delay()).isEqualTo(Duration.ofSeconds(2));
            assertThat(r.rule()).contains("Retry-After");
        });
    }

    @Test
    void retryAfterShorterThanTheBackoffStillBacksOff() {
        Decision d = decide(status(429, "rate_limit_exceeded", Duration.ofMillis(10)), 0);

        assertThat(d).isInstanceOfSatisfying(Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofMillis(187), Duration.ofMillis(250)));
    }

    @Test
    void longRetryAfterMovesOnAndCoolsTheTargetThatLong() {
        Decision d = decide(status(429, "rate_limit_exceeded", Duration.ofSeconds(30)), 0);

        assertThat(d).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.coolDown()).hasValue(Duration.ofSeconds(30));
            assertThat(n.minContextWindow()).isEmpty();
        });
    }

    @Test
    void retryAfterExactlyAtTheLimitIsStillWaitedFor() {
        assertThat(decide(status(503, null, MAX_RETRY_AFTER), 0))
                .isInstanceOfSatisfying(Retry.class, r -> assertThat(r.delay()).isEqualTo(MAX_RETRY_AFTER));
    }

    @ParameterizedTest
    @ValueSource(strings = {"insufficient_quota", "billing_hard_limit_reached"})
    void exhaustedQuotaMovesOnAtOnceAndCoolsTheTarget(String code) {
        Decision d = FailureRules.decide(status(429, code), 0, 3, MAX_RETRY_AFTER, OptionalLong.empty());

        assertThat(d).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.coolDown()).hasValue(FailureRules.CREDENTIALS_COOL_DOWN);
            assertThat(n.rule()).contains("quota");
        });
    }

    @ParameterizedTest
    @ValueSource(ints = {429, 503, 529})
    void overloadWithoutHintIsRetriedOnceWithBackoffThenMovesOn(int s) {
        assertThat(decide(status(s, null), 0)).isInstanceOfSatisfying(Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofMillis(187), Duration.ofMillis(250)));
        assertThat(decide(status(s, null), 1)).isInstanceOfSatisfying(Next.class, n -> assertThat(n.coolDown()).isEmpty());
    }

    @Test
    void stillOverloadedAfterTheRetryCoolsForTheHint() {
        assertThat(decide(status(503, null, Duration.ofSeconds(3)), 1))
                .isInstanceOfSatisfying(Next.class, n -> assertThat(n.coolDown()).hasValue(Duration.ofSeconds(3)));
    }

    // ------------------------------------------------------------------ server and client errors

    @ParameterizedTest
    @ValueSource(ints = {500, 502, 504, 408})
    void serverErrorIsRetriedWithBackoffThenMovesOn(int s) {
        assertThat(decide(status(s, null), 0)).isInstanceOfSatisfying(Retry.class, r -> {
            assertThat(r.delay()).isBetween(Duration.ofMillis(187), Duration.ofMillis(250));
            assertThat(r.rule()).isEqualTo("server error: retry with backoff");
        });
        assertThat(decide(status(s, null), 1)).isInstanceOfSatisfying(Next.class,
                n -> assertThat(n.rule()).isEqualTo("server error: next target"));
    }

    @Test
    void backoffGrowsWithEachRetryAndIsCapped() {
        Failure f = status(500, null);

        assertThat(FailureRules.decide(f, 1, 5, MAX_RETRY_AFTER, OptionalLong.empty())).isInstanceOfSatisfying(Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofMillis(375), Duration.ofMillis(500)));
        assertThat(FailureRules.decide(f, 4, 5, MAX_RETRY_AFTER, OptionalLong.empty())).isInstanceOfSatisfying(Retry.class,
                r -> assertThat(r.delay()).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(2)));
    }

    @Test
    void noRetriesAllowedMeansStraightToTheNextTarget() {
        assertThat(FailureRules.decide(status(500, null), 0, 0, MAX_RETRY_AFTER, OptionalLong.empty())).isInstanceOf(Next.class);
        assertThat(FailureRules.decide(Failure.of(Kind.CONNECT_REFUSED, "x"), 0, 0, MAX_RETRY_AFTER, OptionalLong.empty()))
                .isInstanceOf(Next.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {401, 402, 403})
    void refusedCredentialsMoveOnAndCoolTheTarget(int s) {
        Decision d = FailureRules.decide(status(s, "invalid_api_key"), 0, 3, MAX_RETRY_AFTER, OptionalLong.empty());

        assertThat(d).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.coolDown()).hasValue(FailureRules.CREDENTIALS_COOL_DOWN);
            assertThat(n.rule()).contains("credentials");
        });
    }

    @Test
    void unknownModelMovesOnWithoutCoolingTheTarget() {
        assertThat(decide(status(404, "model_not_found"), 0)).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.coolDown()).isEmpty();
            assertThat(n.rule()).contains("not found");
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"context_length_exceeded", "string_above_max_length"})
    void contextLengthMovesOnToALargerWindowOnly(String code) {
        Decision d = FailureRules.decide(status(400, code), 0, 1, MAX_RETRY_AFTER, OptionalLong.of(8192));

        assertThat(d).isInstanceOfSatisfying(Next.class, n -> {
            assertThat(n.minContextWindow()).hasValue(8192L);
            assertThat(n.coolDown()).isEmpty();
        });
        assertThat(decide(status(400, code), 0)).isInstanceOfSatisfying(Next.class,
                n -> assertThat(n.minContextWindow()).as("no declared window: any other target").hasValue(0L));
    }

    @ParameterizedTest
    @ValueSource(ints = {400, 409, 413, 422})
    void otherClientErrorsAreReturnedAsTheProviderSaidThem(int s) {
        assertThat(decide(status(s, "invalid_request_error"), 0)).isInstanceOfSatisfying(Stop.class,
                st -> assertThat(st.rule()).isEqualTo("client error: return the provider's own error"));
    }

    @Test
    void unexpectedStatusMovesOn() {
        assertThat(decide(status(501, null), 0)).isInstanceOf(Next.class);
        assertThat(decide(status(302, null), 0)).isInstanceOf(Next.class);
    }

    // ------------------------------------------------------------------ breaker accounting

    @Test
    void clientMistakesDoNotCountAgainstTheTarget() {
        assertThat(FailureRules.countsAgainstTarget(status(400, "invalid_request_error"))).isFalse();
        assertThat(FailureRules.countsAgainstTarget(status(400, "context_length_exceeded"))).isFalse();
        assertThat(FailureRules.countsAgainstTarget(status(422, null))).isFalse();
        assertThat(FailureRules.countsAgainstTarget(status(413, null))).isFalse();
        assertThat(FailureRules.countsAgainstTarget(Failure.of(Kind.CLIENT_CANCELLED, "x"))).isFalse();
    }

    @Test
    void upstreamTroubleCountsAgainstTheTarget() {
        for (int s : new int[] {401, 402, 403, 404, 408, 429, 500, 502, 503, 504, 529}) {
            assertThat(FailureRules.countsAgainstTarget(status(s, null))).as("HTTP %d", s).isTrue();
        }
        for (Kind k : new Kind[] {Kind.CONNECT_REFUSED, Kind.CONNECT_TIMEOUT, Kind.FIRST_TOKEN_TIMEOUT, Kind.RESET,
                Kind.IDLE_TIMEOUT, Kind.MALFORMED, Kind.IN_BAND_ERROR}) {
            assertThat(FailureRules.countsAgainstTarget(Failure.of(k, "x"))).as("%s", k).isTrue();
        }
    }

    @Test
    void failureReasonsReadWellInHeaders() {
        assertThat(status(503, "server_error").reason()).isEqualTo("HTTP 503 server_error");
        assertThat(status(500, null).reason()).isEqualTo("HTTP 500");
        assertThat(Failure.of(Kind.CONNECT_TIMEOUT, "10.0.0.1:443").reason()).isEqualTo("connect timeout");
    }
}
