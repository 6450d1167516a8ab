package dev.lifeline.bench;

import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What one {@code data:} payload means ({@link OpenAiCodec#decodeChunk}), for each kind of chunk a stream carries.
 * Content chunks are nearly all of a stream; the others come once or a few times per answer.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"}) // see package-info
public class ChunkBench {
    private byte[] content;
    private byte[] toolCall;
    private byte[] usage;
    private byte[] done;

    @Setup
    public void setUp() throws MalformedChunkException {
        // as the backend has them: the UTF-8 bytes of the event's data
        content = BenchInputs.CONTENT_CHUNK.getBytes(StandardCharsets.UTF_8);
        toolCall = BenchInputs.TOOL_CALL_CHUNK.getBytes(StandardCharsets.UTF_8);
        usage = BenchInputs.USAGE_CHUNK.getBytes(StandardCharsets.UTF_8);
        done = BenchInputs.DONE_CHUNK.getBytes(StandardCharsets.UTF_8);
        // Each input must mean what its benchmark is named after.
        expect(content, StreamEvent.TextDelta.class);
        expect(toolCall, StreamEvent.ToolCallDelta.class);
        expect(usage, StreamEvent.Usage.class);
        expect(done, StreamEvent.Done.class);
    }

    private static void expect(byte[] chunk, Class<? extends StreamEvent> kind) throws MalformedChunkException {
        List<StreamEvent> events = decode(chunk);
        if (events.size() != 1 || !kind.isInstance(events.get(0))) {
            throw new IllegalStateException("expected one " + kind.getSimpleName() + " from "
                    + new String(chunk, StandardCharsets.UTF_8) + ", got " + events);
        }
    }

    @Benchmark
    public List<StreamEvent> content() throws MalformedChunkException {
        return decode(content);
    }

    @Benchmark
    public List<StreamEvent> toolCall() throws MalformedChunkException {
        return decode(toolCall);
    }

    @Benchmark
    public List<StreamEvent> usage() throws MalformedChunkException {
        return decode(usage);
    }

    @Benchmark
    public List<StreamEvent> done() throws MalformedChunkException {
        return decode(done);
    }

    private static List<StreamEvent> decode(byte[] chunk) throws MalformedChunkException {
        return OpenAiCodec.decodeChunk(chunk, 0, chunk.length);
    }
}
