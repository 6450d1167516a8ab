package dev.lifeline.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Browser access: only listed origins, never reflected, never a wildcard, never credentials. */
class CorsTest {
    private final Cors cors = new Cors(List.of("https://app.example.com", "http://localhost:3000", "HTTPS://Mixed.Example.ORG"));

    @Test
    void anAllowedPreflightGetsTheExactOriginAndTheFixedLists() {
        Map<String, String> h = cors.preflight("https://app.example.com", "POST", "Authorization, Content-Type").orElseThrow();

        assertThat(h).containsEntry("Access-Control-Allow-Origin", "https://app.example.com")
                .containsEntry("Access-Control-Allow-Methods", "GET, POST")
                .containsEntry("Access-Control-Max-Age", "600")
                .doesNotContainKey("Access-Control-Allow-Credentials");
        assertThat(h.get("Vary")).contains("Origin");
        assertThat(h.get("Access-Control-Allow-Headers")).isEqualTo(
                "authorization, content-type, x-api-key, anthropic-version, x-request-id, openai-organization, openai-project");
    }

    @Test
    void stainlessHeadersFromTheOfficialSdksAreAllowed() {
        Map<String, String> h = cors.preflight("https://app.example.com", "POST",
                "authorization,x-stainless-os,X-Stainless-Retry-Count,x-stainless-os").orElseThrow();

        assertThat(h.get("Access-Control-Allow-Headers")).endsWith("openai-project, x-stainless-os, x-stainless-retry-count");
    }

    @Test
    void aPreflightWithoutRequestedHeadersIsAllowed() {
        assertThat(cors.preflight("http://localhost:3000", "GET", null)).isPresent();
        assertThat(cors.preflight("http://localhost:3000", "GET", "")).isPresent();
    }

    @Test
    void preflightsForOtherMethodsHeadersOrOriginsAreRefused() {
        assertThat(cors.preflight("https://app.example.com", "DELETE", null)).isEmpty();
        assertThat(cors.preflight("https://app.example.com", "PUT", null)).isEmpty();
        assertThat(cors.preflight("https://app.example.com", "post", null)).isEmpty();
        assertThat(cors.preflight("https://app.example.com", null, null)).isEmpty();
        assertThat(cors.preflight("https://app.example.com", "POST", "authorization, cookie")).isEmpty();
        assertThat(cors.preflight("https://app.example.com", "POST", "x-stainless-")).isEmpty();
        assertThat(cors.preflight("https://app.example.com", "POST", "x-stainless-a\r\nx: y")).isEmpty();
        assertThat(cors.preflight("https://evil.example.com", "POST", "authorization")).isEmpty();
        assertThat(cors.preflight(null, "POST", null)).isEmpty();
    }

    @Test
    void actualResponsesCarryTheOriginOnlyWhenListed() {
        assertThat(cors.responseHeaders("https://app.example.com"))
                .containsEntry("Access-Control-Allow-Origin", "https://app.example.com")
                .containsEntry("Vary", "Origin")
                .doesNotContainKey("Access-Control-Allow-Credentials");
        assertThat(cors.responseHeaders("https://evil.example.com")).isEmpty();
        assertThat(cors.responseHeaders(null)).isEmpty();
        assertThat(cors.responseHeaders("")).isEmpty();
    }

    @Test
    void schemeAndHostCompareCaseInsensitivelyPortsExactly() {
        assertThat(cors.allows("HTTPS://APP.EXAMPLE.COM")).isTrue();
        assertThat(cors.allows("https://mixed.example.org")).isTrue();
        assertThat(cors.responseHeaders("HTTPS://App.Example.Com"))
                .containsEntry("Access-Control-Allow-Origin", "https://app.example.com");
        assertThat(cors.allows("http://app.example.com")).isFalse();
        assertThat(cors.allows("https://app.example.com:443")).isFalse();
        assertThat(cors.allows("http://localhost")).isFalse();
        assertThat(cors.allows("http://localhost:3001")).isFalse();
        assertThat(cors.allows("http://localhost:03000")).isFalse();
        assertThat(cors.allows("https://app.example.com.evil.net")).isFalse();
        assertThat(cors.allows("https://evil.app.example.com")).isFalse();
        assertThat(cors.allows("https://app.example.com/")).isFalse();
        assertThat(cors.allows("https://app.example.com, https://evil.net")).isFalse();
        assertThat(cors.allows("null")).isFalse();
        assertThat(cors.allows(null)).isFalse();
    }

    @Test
    void aWildcardIsRejectedWithTheReason() {
        assertThatThrownBy(() -> new Cors(List.of("*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cors.origins: \"*\" (expected: exact origins such as https://app.example.com; "
                        + "a wildcard would let any web page use your models)");
        assertThatThrownBy(() -> new Cors(List.of("https://*.example.com")))
                .hasMessageContaining("a wildcard would let any web page use your models");
    }

    @ParameterizedTest
    @ValueSource(strings = {"null", "NULL", "app.example.com", "https://app.example.com/", "https://app.example.com/x",
            "https://app.example.com?x", "https://", "https://app.example.com:0", "https://app.example.com:65536",
            "https://user@app.example.com", "", " https://app.example.com"})
    void originsThatAreNotExactAreRejected(String origin) {
        assertThatThrownBy(() -> new Cors(List.of(origin)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cors.origins: \"" + origin + "\" (expected: ");
    }

    @Test
    void anEmptyListAllowsNoBrowser() {
        Cors none = new Cors(List.of());

        assertThat(none.allows("http://localhost:3000")).isFalse();
        assertThat(none.preflight("http://localhost:3000", "POST", null)).isEmpty();
    }

    /**
     * Property: for arbitrary origin strings (mutations of the listed ones, wildcards, junk, random printable text;
     * fixed seed, the failing input is in the message), an unlisted origin gets no header at all, nothing is ever
     * a wildcard, and credentials are never allowed.
     */
    @Test
    void anUnlistedOriginIsNeverEchoedAndNoWildcardEverAppears() {
        Random rnd = new Random(20260521L);
        int listedSeen = 0;
        for (int i = 0; i < 50_000; i++) {
            String origin = origin(rnd);
            String method = rnd.nextBoolean() ? "GET" : "POST";
            Optional<Map<String, String>> pre = cors.preflight(origin, method, "authorization, x-stainless-lang");
            Map<String, String> actual = cors.responseHeaders(origin);
            boolean listed = cors.origins().contains(origin.toLowerCase(Locale.ROOT));
            listedSeen += listed ? 1 : 0;
            String as = "origin \"" + origin + "\"";

            for (Map<String, String> h : pre.map(p -> List.of(p, actual)).orElse(List.of(actual))) {
                assertThat(h.values()).as(as).noneMatch(v -> v.contains("*"));
                assertThat(h).as(as).doesNotContainKey("Access-Control-Allow-Credentials");
                if (listed) {
                    assertThat(h.get("Access-Control-Allow-Origin")).as(as).isIn(cors.origins());
                } else {
                    assertThat(h).as(as).isEmpty();
                }
            }
            if (!listed) {
                assertThat(pre).as(as).isEmpty();
                assertThat(cors.allows(origin)).as(as).isFalse();
            }
        }
        assertThat(listedSeen).as("the generator also produces listed origins").isGreaterThan(100);
    }

    private static final List<String> SCHEMES = List.of("http", "https", "HTTPS", "Http", "chrome-extension", "file",
            "null", "*", "");
    private static final List<String> HOSTS = List.of("app.example.com", "localhost", "APP.example.com", "evil.com", "*",
            "app.example.com.evil", "127.0.0.1", "[::1]", "mixed.example.org", "MIXED.EXAMPLE.org", "", "app.example.com.",
            "*.example.com", "app.example.com:3000@evil.com");
    private static final List<String> PORTS = List.of("", "", ":3000", ":443", ":80", ":*", ":03000", ":3000/", "/x",
            ":3000 ", "\r\n", ":65536");
    private static final List<String> WHOLE = List.of("null", "*", "https://app.example.com ", "https://app.example.com\r\n",
            "https://app.example.com, https://evil.com", "https://app.example.com https://evil.com", "");

    private static String origin(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0, 1 -> pick(rnd, SCHEMES) + "://" + (rnd.nextInt(4) == 0 ? printable(rnd) : pick(rnd, HOSTS))
                    + pick(rnd, PORTS);
            case 2 -> printable(rnd);
            default -> pick(rnd, WHOLE);
        };
    }

    private static String pick(Random rnd, List<String> l) {
        return l.get(rnd.nextInt(l.size()));
    }

    private static String printable(Random rnd) {
        StringBuilder b = new StringBuilder();
        for (int k = rnd.nextInt(25); k > 0; k--) {
            b.append((char) (rnd.nextInt(10) == 0 ? rnd.nextInt(0x20) : ' ' + rnd.nextInt(95)));
        }
        return b.toString();
    }
}
