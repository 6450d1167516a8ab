package dev.lifeline.bench;

import dev.lifeline.codec.BadRequestException;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.config.TargetConfig.SystemPromptMode;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * A client request on its way to a target: parsed and validated once ({@link OpenAiCodec#parseRequest}), then
 * given the target's model name ({@link OpenAiCodec#forTarget}). One operation is one ~1 KB request.
 *
 * <ul>
 *   <li>{@code parse}: parsing and validation alone, the cost every request pays;</li>
 *   <li>{@code parseAndSplice}: the usual case, the client's bytes with only the model string replaced;</li>
 *   <li>{@code parseAndSystemPrompt}: a target with its own system prompt, which needs a re-encode.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"}) // see package-info
public class RequestBench {
    private byte[] body;
    private String targetModel;
    private OpenAiCodec.Edits noEdits;
    private OpenAiCodec.Edits systemPrompt;

    @Setup
    public void setUp() throws BadRequestException {
        body = BenchInputs.REQUEST;
        targetModel = BenchInputs.TARGET_MODEL;
        noEdits = new OpenAiCodec.Edits(Optional.empty(), SystemPromptMode.PREPEND, Optional.empty(),
                OptionalInt.empty(), false);
        systemPrompt = new OpenAiCodec.Edits(Optional.of("You are Lifeline's local fallback model. Be brief."),
                SystemPromptMode.PREPEND, Optional.empty(), OptionalInt.empty(), false);
        // Measure the paths named above, not a shortcut: the splice must change the model and nothing else.
        byte[] spliced = parseAndSplice();
        String expected = new String(body, StandardCharsets.UTF_8)
                .replace("\"" + BenchInputs.CLIENT_MODEL + "\"", "\"" + targetModel + "\"");
        if (!new String(spliced, StandardCharsets.UTF_8).equals(expected)) {
            throw new IllegalStateException("forTarget did not splice the model name into the client's bytes");
        }
    }

    @Benchmark
    public OpenAiCodec.Request parse() throws BadRequestException {
        return OpenAiCodec.parseRequest(body);
    }

    @Benchmark
    public byte[] parseAndSplice() throws BadRequestException {
        return OpenAiCodec.forTarget(OpenAiCodec.parseRequest(body), targetModel, noEdits);
    }

    @Benchmark
    public byte[] parseAndSystemPrompt() throws BadRequestException {
        return OpenAiCodec.forTarget(OpenAiCodec.parseRequest(body), targetModel, systemPrompt);
    }
}
