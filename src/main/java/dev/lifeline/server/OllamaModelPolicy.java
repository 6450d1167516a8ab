package dev.lifeline.server;

import dev.lifeline.chat.Endpoint;
import dev.lifeline.codec.Ascii;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.ClientRequest;
import dev.lifeline.routing.Refusal;
import dev.lifeline.routing.Target;

import java.util.Optional;

/**
 * The model-name rules of Ollama's pass-through ({@link OllamaPathPolicy#refusedModelName}) for routed requests: a
 * target on an Ollama server (a {@code type: ollama} backend, or the {@code ollama:} section's backend, whatever its
 * type) must not be asked for a cloud model, which runs on the server owner's ollama.com account, nor for a model
 * from a registry the operator did not pick. Matters where a route passes the client's model name on (a glob route).
 */
final class OllamaModelPolicy {
    private final Optional<String> localOllamaBackend;

    OllamaModelPolicy(Optional<String> localOllamaBackend) {
        this.localOllamaBackend = localOllamaBackend;
    }

    Optional<Refusal> refusalFor(Target target) {
        boolean ollamaServer = target.backend().dialect() == Dialect.OLLAMA
                || localOllamaBackend.map(target.backendName()::equals).orElse(false);
        if (!ollamaServer) {
            return Optional.empty();
        }
        return OllamaPathPolicy.refusedModelName(target.model(), false)
                .map(why -> new Refusal("model '" + Ascii.printable(target.model()) + "' on " + target.backendName() + ": " + why,
                        Optional.of("model"), Refusal.Kind.NOT_ALLOWED));
    }

    /** A front door's request with this policy applied before its own refusals. */
    ClientRequest applyTo(ClientRequest request) {
        return new ClientRequest() {
            @Override
            public Endpoint endpoint() {
                return request.endpoint();
            }

            @Override
            public String model() {
                return request.model();
            }

            @Override
            public boolean stream() {
                return request.stream();
            }

            @Override
            public boolean hideUsageOnlyChunks() {
                return request.hideUsageOnlyChunks();
            }

            @Override
            public boolean localOnly() {
                return request.localOnly();
            }

            @Override
            public byte[] bodyFor(Target target, Optional<String> prefill) {
                return request.bodyFor(target, prefill);
            }

            @Override
            public Optional<Refusal> refusalFor(Target target) {
                return OllamaModelPolicy.this.refusalFor(target).or(() -> request.refusalFor(target));
            }

            @Override
            public ClientAnswer answer() {
                return request.answer();
            }
        };
    }
}
