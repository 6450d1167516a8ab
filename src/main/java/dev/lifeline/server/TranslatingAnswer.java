package dev.lifeline.server;

import dev.lifeline.backend.Frame;
import dev.lifeline.chat.ChatResponse;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.config.BackendConfig.Dialect;
import dev.lifeline.routing.ClientAnswer;
import dev.lifeline.routing.ClientProtocol;
import dev.lifeline.routing.Target;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.function.Function;

/**
 * The answer of one exchange in the client's dialect: a target of that dialect passes through byte for byte; any
 * other target's frames are re-encoded from their events by one stream encoder, and its body from its parsed meaning.
 * A stream that started one way goes on that way, so a continuation stays coherent for the client.
 */
final class TranslatingAnswer implements ClientAnswer {
    /** How the client's dialect writes answers. */
    interface Writer {
        /** A new stream encoder; {@code model} is the model that answers. */
        Function<StreamEvent, byte[]> newStream(String model);

        /** A complete answer. */
        byte[] response(ChatResponse response);

        String contentType();
    }

    private final Dialect clientDialect;
    private final boolean passThroughAllowed;
    private final ClientProtocol protocol;
    private final Writer writer;
    private Function<StreamEvent, byte[]> encoder;
    private boolean passedThrough;

    /**
     * @param passThroughAllowed false when even a target of the client's dialect must be translated (an Ollama
     *                           {@code /api/generate} client: the backend is asked through {@code /api/chat})
     */
    TranslatingAnswer(Dialect clientDialect, boolean passThroughAllowed, ClientProtocol protocol, Writer writer) {
        this.clientDialect = clientDialect;
        this.passThroughAllowed = passThroughAllowed;
        this.protocol = protocol;
        this.writer = writer;
    }

    @Override
    public boolean passesThrough(Target from) {
        return passThroughAllowed && from.backend().dialect() == clientDialect;
    }

    @Override
    public byte[] frame(Target from, Frame frame) {
        if (encoder == null && passesThrough(from)) {
            passedThrough = true;
            return frame.wire();
        }
        if (encoder == null) {
            encoder = writer.newStream(from.model());
        }
        if (frame.events().size() == 1) {
            return encoder.apply(frame.events().get(0));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (StreamEvent e : frame.events()) {
            out.writeBytes(encoder.apply(e));
        }
        return out.toByteArray();
    }

    @Override
    public byte[] done() {
        return encoder != null ? encoder.apply(new StreamEvent.Done()) : protocol.streamDone();
    }

    @Override
    public Optional<Body> body(Target from, byte[] body, String contentType) {
        if (passesThrough(from)) {
            return Optional.of(new Body(body, contentType.isEmpty() ? "application/json" : contentType));
        }
        return Translation.readAnswer(from.backend().dialect(), body).map(r -> new Body(writer.response(r), writer.contentType()));
    }

    @Override
    public boolean canContinueOn(Target target) {
        return passedThrough ? passesThrough(target) : true;
    }
}
