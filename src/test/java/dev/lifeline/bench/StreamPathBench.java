package dev.lifeline.bench;

import dev.lifeline.backend.Frame;
import dev.lifeline.chat.StreamEvent;
import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.SseDecoder.MalformedStreamException;
import dev.lifeline.codec.openai.OpenAiCodec;
import dev.lifeline.codec.openai.OpenAiCodec.MalformedChunkException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The whole per-event path of a streamed answer in the backend, from the bytes of an upstream read to the
 * {@link Frame}s handed to the engine. {@link #read} repeats, with public classes only, what the private
 * {@code HttpBackend.Decoder.onContent} (with {@code OpenAiWire}) does for each read: copy the read's bytes out of the Netty buffer into a
 * {@code byte[]}, frame them into events, decode each event's payload and wrap the event's bytes and meaning in a
 * {@code Frame}. Keep the two in step when that method changes.
 *
 * <p>Each benchmark runs the 50-chunk stream of {@link BenchInputs#STREAM} through a fresh decoder and counts one
 * operation per event (51 per stream), so ns/op and B/op are per event. The engine's side (forwarding a frame to
 * the client) is not included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"}) // see package-info
public class StreamPathBench {
    private byte[] stream;
    private byte[][] eventBytes;

    @Setup
    public void setUp() {
        stream = BenchInputs.STREAM;
        eventBytes = BenchInputs.STREAM_EVENT_BYTES;
    }

    /** The whole stream arrives in one read. */
    @Benchmark
    @OperationsPerInvocation(BenchInputs.STREAM_EVENTS)
    public void streamInOneRead(Blackhole bh) throws MalformedStreamException, MalformedChunkException {
        read(new SseDecoder(), stream, bh);
    }

    /** Each event arrives in a read of its own, as from a server that flushes every token. */
    @Benchmark
    @OperationsPerInvocation(BenchInputs.STREAM_EVENTS)
    public void oneEventPerRead(Blackhole bh) throws MalformedStreamException, MalformedChunkException {
        SseDecoder sse = new SseDecoder();
        for (byte[] e : eventBytes) {
            read(sse, e, bh);
        }
    }

    /** One upstream read, as {@code HttpBackend.Decoder.onContent} (with {@code OpenAiWire}) handles it. */
    private static void read(SseDecoder sse, byte[] content, Blackhole bh)
            throws MalformedStreamException, MalformedChunkException {
        byte[] bytes = new byte[content.length]; // ByteBuf.readBytes into a fresh array
        System.arraycopy(content, 0, bytes, 0, content.length);
        for (SseDecoder.Event e : sse.feed(bytes)) {
            byte[] data = e.dataBytes();
            List<StreamEvent> events = OpenAiCodec.decodeChunk(data, 0, data.length);
            bh.consume(new Frame(SseDecoder.encode(e), events));
        }
    }
}
