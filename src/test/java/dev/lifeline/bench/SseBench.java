package dev.lifeline.bench;

import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.SseDecoder.MalformedStreamException;
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

import java.util.concurrent.TimeUnit;

/**
 * Server-Sent Events framing ({@link SseDecoder}) of the 50-chunk stream in {@link BenchInputs#STREAM}.
 *
 * <p>The {@code feed*} benchmarks decode the whole stream with a fresh decoder, as each upstream response gets one,
 * but count one operation per event (51 per stream), so their ns/op and B/op are per event:
 * <ul>
 *   <li>{@code feedStreamInOneRead}: the whole stream in one read (an upstream that had buffered its answer);</li>
 *   <li>{@code feedOneEventPerRead}: one event per read, how a server that flushes each token arrives.</li>
 * </ul>
 * {@code encode} writes one content event back out, as the gateway forwards it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"}) // see package-info
public class SseBench {
    private byte[] stream;
    private byte[][] eventBytes;
    private SseDecoder.Event contentEvent;

    @Setup
    public void setUp() throws MalformedStreamException {
        stream = BenchInputs.STREAM;
        eventBytes = BenchInputs.STREAM_EVENT_BYTES;
        contentEvent = new SseDecoder.Event("", BenchInputs.CONTENT_CHUNK);
        int events = new SseDecoder().feed(stream).size();
        if (events != BenchInputs.STREAM_EVENTS) {
            throw new IllegalStateException("the stream decodes to " + events + " events, not " + BenchInputs.STREAM_EVENTS);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BenchInputs.STREAM_EVENTS)
    public void feedStreamInOneRead(Blackhole bh) throws MalformedStreamException {
        bh.consume(new SseDecoder().feed(stream));
    }

    @Benchmark
    @OperationsPerInvocation(BenchInputs.STREAM_EVENTS)
    public void feedOneEventPerRead(Blackhole bh) throws MalformedStreamException {
        SseDecoder decoder = new SseDecoder();
        for (byte[] read : eventBytes) {
            bh.consume(decoder.feed(read));
        }
    }

    @Benchmark
    public byte[] encode() {
        return SseDecoder.encode(contentEvent);
    }
}
