package dev.lifeline.doctor;

import dev.lifeline.doctor.Http.Answer;
import dev.lifeline.doctor.Http.Result;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What an internet scanner sees at {@code HOST:PORT}: the requests the Shodan and Censys crawlers make, with no
 * credentials. Run it from another machine against the server's public address.
 */
final class Outside {
    private static final List<String> PATHS = List.of("/api/tags", "/api/version", "/api/ps", "/v1/models");

    private final Http http;
    private final Duration timeout;

    Outside(Http http, Duration timeout) {
        this.http = http;
        this.timeout = timeout;
    }

    List<Finding> check(String host, int port) {
        String label = "seen from here: " + host + ":" + port;
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return List.of(new Finding(label, "outside.unresolved", Severity.FAIL, host + " does not resolve", List.of(), List.of()));
        }
        Connect c = Connect.to(address, port, timeout);
        if (!c.open()) {
            return List.of(Finding.ok(label, "outside.closed", "not reachable from here: " + c.outcome().words(), c.line()));
        }
        List<String> answered = new ArrayList<>();
        List<String> evidence = new ArrayList<>();
        for (String p : PATHS) {
            Result r = http.get(URI.create("http://" + c.where() + p), Map.of());
            String seen = r instanceof Answer a ? a.status() + " " + a.excerpt() : ((Http.Failure) r).message();
            evidence.add("GET " + p + ": " + seen);
            if (r instanceof Answer a && a.status() == 200) {
                answered.add(p);
            }
        }
        if (answered.isEmpty()) {
            return List.of(new Finding(label, "outside.guarded", Severity.OK, "reachable, but answers none of the model APIs without a key",
                    evidence, List.of()));
        }
        return List.of(new Finding(label, "outside.open", Severity.FAIL,
                "answers " + String.join(", ", answered) + " without a key: anyone who reaches " + host + ":" + port + " can use your models",
                Finding.plus(address.isLoopbackAddress() ? Finding.plus(evidence, host + " is this machine: run it from another machine"
                        + " against the server's public address to see what the internet sees") : evidence,
                        "Ollama has no authentication: whoever can list models can also run, pull and delete them"),
                List.of("on the server: make it listen on loopback only (OLLAMA_HOST=127.0.0.1:11434) and serve clients through"
                                + " `lifeline serve` with API keys",
                        "and allow only trusted networks there: lifeline firewall apply --port " + port + " --allow TRUSTED_SUBNET")));
    }
}
