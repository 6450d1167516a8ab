// A load tool for streamed chat completions, for bench/run: what wrk cannot see in a stream. Per stream it measures
// the time to the first token, the time to the end, and the gap between each two content events, and it checks that
// every stream ends properly.
//
//   java -cp target/lifeline.jar bench/StreamClient.java [OPTIONS] BASE_URL
//
//   BASE_URL            e.g. http://127.0.0.1:8470; requests go to BASE_URL/v1/chat/completions
//   -c N                connections, each with its own virtual thread, used one stream at a time  [1]
//   -d SECONDS          each connection starts stream after stream until SECONDS have passed; a stream started
//                       in time runs to its end  [10]
//   -n N                instead of -d: N streams on each connection
//   -m MODEL            the model asked for; bench-paced makes BenchUpstream pace its tokens  [bench-paced]
//   -k KEY              sent as "Authorization: Bearer KEY"
//   --ramp SECONDS      start the connections evenly spread over SECONDS instead of all at once  [0]
//   --warmup N          first run N unrecorded streams on each connection, with --warmup-model  [0]
//   --warmup-model M    the model for those; the default, bench-model, is BenchUpstream's fast stream, so that a
//                       few hundred of them warm this JVM's parsing code in well under a second  [bench-model]
//   --batched-ms MS     a gap between two content events shorter than this counts as "batched"  [5]
//   --timeout SECONDS   the longest wait for any read, and for connecting  [30]
//   --label TEXT        names the run in the output
//
// Plain sockets, HTTP/1.1 with keep-alive (a connection is reopened only after an error or "connection: close");
// responses may be chunked, have a content-length, or end when the connection closes. Nothing else is supported: no
// TLS, no redirects, no pipelining. Needs only the JDK (the -cp is for symmetry with BenchUpstream).
//
// What is measured, per stream, with System.nanoTime():
//   start   just before the request is written (on an open connection: connecting is not part of any number)
//   ttft    start -> the arrival of the first content event: a "data:" event whose delta has a non-empty "content".
//           The role chunk (content "") does not count.
//   total   start -> the end of the response (after "data: [DONE]").
//   gaps    between the arrivals of each two consecutive content events of a stream. An event "arrives" when the
//           socket read that brought its last byte returns, so two events that came in one read have a gap of 0.
//           With an upstream that sends one token every 20 ms, a gap under --batched-ms means the two events were
//           held and sent together somewhere on the way (or the client was too busy to read in between: compare
//           with a direct run).
// Errors, one per stream at most, by kind: status (not 200), no_done (the response ended without data: [DONE]),
// error_event (a data: {"error": ...} event), reset (connection refused, reset or closed mid-response, or an
// unparsable response), timeout (no byte within --timeout). After an error the connection is closed and reopened.
// x-lifeline-attempts, when the gateway sends it, is summed: "extra attempts" are attempts beyond one per stream.
//
// Output: a readable summary, then one line for scripts:
//   STREAMS label=L conns=N streams=N ok=N errors=N err_status=N ... ttft_p50_us=N ... gaps=N batched=N ...
// Exit status 0 even when streams failed (the numbers say so); 2 for a usage error.

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

public final class StreamClient {
    // ---------------------------------------------------------------- options

    private String host;
    private int port;
    private int connections = 1;
    private double seconds = 10;
    private int perConnection = -1; // -n; -1: run for `seconds`
    private String model = "bench-paced";
    private String key;
    private double rampSeconds;
    private int warmup;
    private String warmupModel = "bench-model";
    private double batchedMs = 5;
    private int timeoutMs = 30_000;
    private String label = "streams";

    public static void main(String[] args) throws Exception {
        StreamClient c = new StreamClient();
        try {
            c.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("StreamClient: " + e.getMessage() + " (see the comment at the top of bench/StreamClient.java)");
            System.exit(2);
        }
        c.run();
    }

    private void parse(String[] args) {
        String url = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("-")) {
                if (url != null) {
                    throw new IllegalArgumentException("one BASE_URL only, got " + url + " and " + a);
                }
                url = a;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            String v = args[++i];
            switch (a) {
                case "-c" -> connections = positive(a, Integer.parseInt(v));
                case "-d" -> seconds = Double.parseDouble(v);
                case "-n" -> perConnection = positive(a, Integer.parseInt(v));
                case "-m" -> model = v;
                case "-k" -> key = v;
                case "--ramp" -> rampSeconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--warmup-model" -> warmupModel = v;
                case "--batched-ms" -> batchedMs = Double.parseDouble(v);
                case "--timeout" -> timeoutMs = positive(a, (int) (Double.parseDouble(v) * 1000));
                case "--label" -> label = v.replace(' ', '_');
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (url == null) {
            throw new IllegalArgumentException("BASE_URL missing");
        }
        URI u = URI.create(url);
        if (!"http".equals(u.getScheme()) || u.getHost() == null) {
            throw new IllegalArgumentException("BASE_URL must be http://HOST:PORT, got " + url);
        }
        host = u.getHost();
        port = u.getPort() < 0 ? 80 : u.getPort();
    }

    private static int positive(String option, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + v);
        }
        return v;
    }

    // ---------------------------------------------------------------- the run

    /** What one connection saw: per-stream numbers, and error counts by kind. */
    private static final class Tally {
        final List<Long> ttftNs = new ArrayList<>();
        final List<Long> totalNs = new ArrayList<>();
        long[] gapsNs = new long[1024];
        int gapCount;
        long streams, ok, contentEvents, attempts, attemptedStreams;
        long errStatus, errNoDone, errEvent, errReset, errTimeout;
        final List<String> errorSamples = new ArrayList<>();

        void gap(long ns) {
            if (gapCount == gapsNs.length) {
                gapsNs = Arrays.copyOf(gapsNs, gapsNs.length * 2);
            }
            gapsNs[gapCount++] = ns;
        }

        long errors() {
            return errStatus + errNoDone + errEvent + errReset + errTimeout;
        }

        void error(String kind, String detail) {
            switch (kind) {
                case "status" -> errStatus++;
                case "no_done" -> errNoDone++;
                case "error_event" -> errEvent++;
                case "timeout" -> errTimeout++;
                default -> errReset++;
            }
            if (errorSamples.size() < 3) {
                errorSamples.add(kind + ": " + detail);
            }
        }
    }

    private void run() throws Exception {
        byte[] request = request(model);
        byte[] warmupRequest = request(warmupModel);
        long begin = System.nanoTime();
        List<Future<Tally>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < connections; i++) {
                long startAt = begin + (long) (rampSeconds * 1e9 * i / connections);
                futures.add(pool.submit(() -> connection(request, warmupRequest, startAt)));
            }
        }
        long elapsedNs = System.nanoTime() - begin;
        List<Tally> all = new ArrayList<>();
        for (Future<Tally> f : futures) {
            all.add(f.get());
        }
        report(all, elapsedNs);
    }

    private byte[] request(String model) {
        String body = "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":200,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"system\",\"content\":\"You are a benchmark.\"},"
                + "{\"role\":\"user\",\"content\":\"Write a short paragraph about latency budgets in gateways.\"}]}";
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST /v1/chat/completions HTTP/1.1\r\n"
                + "Host: " + host + ":" + port + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Accept: text/event-stream\r\n"
                + (key != null ? "Authorization: Bearer " + key + "\r\n" : "")
                + "Content-Length: " + b.length + "\r\n\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        byte[] out = Arrays.copyOf(h, h.length + b.length);
        System.arraycopy(b, 0, out, h.length, b.length);
        return out;
    }

    /**
     * One connection's life: the warm-up streams, then measured streams one after another (for -d: until `seconds`
     * after the warm-up), reconnecting after errors.
     */
    private Tally connection(byte[] request, byte[] warmupRequest, long startAt) throws InterruptedException {
        long wait = startAt - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        Conn[] conn = {null};
        try {
            Tally ignored = new Tally();
            for (int n = 0; n < warmup; n++) {
                oneStream(conn, warmupRequest, ignored);
            }
            Tally t = new Tally();
            long until = System.nanoTime() + (long) (seconds * 1e9);
            for (int n = 0; perConnection > 0 ? n < perConnection : System.nanoTime() < until; n++) {
                oneStream(conn, request, t);
            }
            return t;
        } finally {
            closeQuietly(conn[0]);
        }
    }

    /** One stream on conn[0], opened first if needed; any failure is recorded in t and leaves conn[0] null. */
    private void oneStream(Conn[] conn, byte[] request, Tally t) throws InterruptedException {
        t.streams++;
        try {
            if (conn[0] == null) {
                conn[0] = new Conn(host, port, timeoutMs);
            }
            if (!stream(conn[0], request, t)) {
                conn[0] = closeQuietly(conn[0]);
            }
        } catch (SocketTimeoutException e) {
            t.error("timeout", "no data within " + timeoutMs + " ms");
            conn[0] = closeQuietly(conn[0]);
        } catch (IOException | RuntimeException e) { // RuntimeException: an unparsable status line or chunk size
            t.error("reset", e.toString());
            conn[0] = closeQuietly(conn[0]);
            if (e instanceof ConnectException) {
                Thread.sleep(100); // do not spin on a refused port
            }
        }
    }

    private static Conn closeQuietly(Conn c) {
        if (c != null) {
            c.close();
        }
        return null;
    }

    /**
     * Sends one request and reads its whole response, recording the stream's numbers in t.
     * Returns whether the connection may be used again; errors in the response are recorded here, I/O errors thrown.
     */
    private boolean stream(Conn conn, byte[] request, Tally t) throws IOException {
        long start = System.nanoTime();
        conn.out.write(request);
        conn.out.flush();

        // status line and headers
        String status = conn.readLine();
        if (!status.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        boolean keepAlive = status.startsWith("HTTP/1.1");
        boolean chunked = false;
        long length = -1;
        for (String line = conn.readLine(); !line.isEmpty(); line = conn.readLine()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            switch (name) {
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "content-length" -> length = Long.parseLong(value);
                case "connection" -> keepAlive = !value.equalsIgnoreCase("close");
                case "x-lifeline-attempts" -> {
                    t.attempts += Long.parseLong(value);
                    t.attemptedStreams++;
                }
                default -> { }
            }
        }

        // the body, fed to the SSE parser as it arrives
        Sse sse = new Sse(t);
        if (chunked) {
            while (true) {
                String sizeLine = conn.readLine();
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    while (!conn.readLine().isEmpty()) {
                        // trailers: ignored
                    }
                    break;
                }
                conn.copy(size, sse);
                if (!conn.readLine().isEmpty()) {
                    throw new IOException("chunk not followed by CRLF");
                }
            }
        } else if (length >= 0) {
            conn.copy(length, sse);
        } else {
            keepAlive = false;
            conn.copyToEnd(sse);
        }
        long end = conn.lastRead;

        if (code != 200) {
            t.error("status", "HTTP " + code + ": " + sse.text());
        } else if (sse.error != null) {
            t.error("error_event", sse.error);
        } else if (!sse.done) {
            t.error("no_done", "the response ended without data: [DONE] after " + sse.contentEvents + " content events");
        } else {
            t.ok++;
            t.totalNs.add(end - start);
            if (sse.firstContent > 0) {
                t.ttftNs.add(sse.firstContent - start);
            }
        }
        return keepAlive;
    }

    /**
     * Splits a response body into SSE events and records the content events' arrival times. Works on the bytes, since
     * a thousand streams make this the client's hot loop: the markers it looks for are ASCII.
     */
    private static final class Sse {
        private static final byte[] DATA = "data:".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] DONE = "[DONE]".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] CONTENT = "\"content\"".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] ERROR = "\"error\"".getBytes(StandardCharsets.US_ASCII);

        private final Tally t;
        private byte[] line = new byte[1024];
        private int lineLen;
        private byte[] data = new byte[1024];  // the current event's data lines, joined with \n
        private int dataLen;
        private final byte[] raw = new byte[300]; // the start of the body, for error messages
        private int rawLen;
        long firstContent;     // arrival of the first content event, 0 if none
        long lastContent;
        int contentEvents;
        boolean done;
        String error;

        Sse(Tally t) {
            this.t = t;
        }

        void feed(byte[] b, int off, int len, long arrived) {
            int keep = Math.min(len, raw.length - rawLen);
            System.arraycopy(b, off, raw, rawLen, keep);
            rawLen += keep;
            int from = off;
            for (int i = off; i < off + len; i++) {
                if (b[i] == '\n') {
                    lineAppend(b, from, i - from);
                    lineEnded(arrived);
                    from = i + 1;
                }
            }
            lineAppend(b, from, off + len - from);
        }

        private void lineAppend(byte[] b, int off, int len) {
            if (lineLen + len > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, lineLen + len));
            }
            System.arraycopy(b, off, line, lineLen, len);
            lineLen += len;
        }

        private void lineEnded(long arrived) {
            int len = lineLen > 0 && line[lineLen - 1] == '\r' ? lineLen - 1 : lineLen;
            lineLen = 0;
            if (len == 0) { // a blank line ends the event
                if (dataLen > 0) {
                    event(arrived);
                    dataLen = 0;
                }
                return;
            }
            if (!startsWith(line, 0, len, DATA)) {
                return; // comments, event:, id:, retry:
            }
            int from = len > 5 && line[5] == ' ' ? 6 : 5;
            int need = dataLen + 1 + len - from;
            if (need > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, need));
            }
            if (dataLen > 0) {
                data[dataLen++] = '\n';
            }
            System.arraycopy(line, from, data, dataLen, len - from);
            dataLen += len - from;
        }

        private void event(long arrived) {
            if (dataLen == DONE.length && startsWith(data, 0, dataLen, DONE)) {
                done = true;
                return;
            }
            int i = skipSpace(data, 0, dataLen);
            if (i < dataLen && data[i] == '{' && startsWith(data, skipSpace(data, i + 1, dataLen), dataLen, ERROR)) {
                if (error == null) {
                    error = new String(data, 0, Math.min(dataLen, 200), StandardCharsets.UTF_8);
                }
                return;
            }
            if (!hasContent()) {
                return; // role chunk (content ""), finish chunk, usage
            }
            if (contentEvents == 0) {
                firstContent = arrived;
            } else {
                t.gap(arrived - lastContent);
            }
            lastContent = arrived;
            contentEvents++;
            t.contentEvents++;
        }

        /** Whether the event has "content": followed by a non-empty string. */
        private boolean hasContent() {
            for (int i = indexOf(data, dataLen, CONTENT, 0); i >= 0; i = indexOf(data, dataLen, CONTENT, i + 1)) {
                int j = skipSpace(data, i + CONTENT.length, dataLen);
                if (j < dataLen && data[j] == ':') {
                    j = skipSpace(data, j + 1, dataLen);
                    if (j + 1 < dataLen && data[j] == '"' && data[j + 1] != '"') {
                        return true;
                    }
                }
            }
            return false;
        }

        /** Whether b[off, end) starts with prefix. */
        private static boolean startsWith(byte[] b, int off, int end, byte[] prefix) {
            if (end - off < prefix.length) {
                return false;
            }
            for (int k = 0; k < prefix.length; k++) {
                if (b[off + k] != prefix[k]) {
                    return false;
                }
            }
            return true;
        }

        /** The first index at or after from where b[0, end) holds what, or -1. */
        private static int indexOf(byte[] b, int end, byte[] what, int from) {
            for (int i = from; i <= end - what.length; i++) {
                if (startsWith(b, i, end, what)) {
                    return i;
                }
            }
            return -1;
        }

        private static int skipSpace(byte[] b, int i, int end) {
            while (i < end && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            return i;
        }

        String text() {
            return new String(raw, 0, rawLen, StandardCharsets.UTF_8).replace('\n', ' ').strip();
        }
    }

    /** A socket with its own read buffer, which notes when each read returned. */
    private static final class Conn {
        final Socket socket;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[64 * 1024];
        int pos;
        int lim;
        long lastRead; // System.nanoTime() when the latest read returned

        Conn(String host, int port, int timeoutMs) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(host, port), timeoutMs);
            socket.setSoTimeout(timeoutMs);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        private void fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                throw new EOFException("connection closed by the server");
            }
            lastRead = System.nanoTime();
            pos = 0;
            lim = n;
        }

        /** A line without its CRLF (or LF); at most 64 KiB. */
        String readLine() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            while (true) {
                if (pos == lim) {
                    fill();
                }
                char c = (char) (buf[pos++] & 0xff);
                if (c == '\n') {
                    int n = sb.length();
                    return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
                }
                if (sb.length() > 65536) {
                    throw new IOException("line too long");
                }
                sb.append(c);
            }
        }

        /** Passes the next n bytes to the parser, each slice with the time its read returned. */
        void copy(long n, Sse sink) throws IOException {
            while (n > 0) {
                if (pos == lim) {
                    fill();
                }
                int k = (int) Math.min(n, lim - pos);
                sink.feed(buf, pos, k, lastRead);
                pos += k;
                n -= k;
            }
        }

        /** Passes everything up to the end of the connection to the parser. */
        void copyToEnd(Sse sink) throws IOException {
            while (true) {
                if (pos == lim) {
                    int n = in.read(buf, 0, buf.length);
                    if (n < 0) {
                        return;
                    }
                    lastRead = System.nanoTime();
                    pos = 0;
                    lim = n;
                }
                sink.feed(buf, pos, lim - pos, lastRead);
                pos = lim;
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // nothing to do
            }
        }
    }

    // ---------------------------------------------------------------- the report

    private void report(List<Tally> all, long elapsedNs) {
        Tally sum = new Tally();
        List<String> samples = new ArrayList<>();
        for (Tally t : all) {
            sum.ttftNs.addAll(t.ttftNs);
            sum.totalNs.addAll(t.totalNs);
            for (int i = 0; i < t.gapCount; i++) {
                sum.gap(t.gapsNs[i]);
            }
            sum.streams += t.streams;
            sum.ok += t.ok;
            sum.contentEvents += t.contentEvents;
            sum.attempts += t.attempts;
            sum.attemptedStreams += t.attemptedStreams;
            sum.errStatus += t.errStatus;
            sum.errNoDone += t.errNoDone;
            sum.errEvent += t.errEvent;
            sum.errReset += t.errReset;
            sum.errTimeout += t.errTimeout;
            for (String s : t.errorSamples) {
                if (samples.size() < 5) {
                    samples.add(s);
                }
            }
        }
        long[] ttft = sorted(sum.ttftNs);
        long[] total = sorted(sum.totalNs);
        long[] gaps = Arrays.copyOf(sum.gapsNs, sum.gapCount);
        Arrays.sort(gaps);
        long batchedNs = (long) (batchedMs * 1e6);
        long batched = 0;
        while (batched < gaps.length && gaps[(int) batched] < batchedNs) {
            batched++;
        }
        long extra = sum.attempts - sum.attemptedStreams;

        System.out.printf(Locale.ROOT, "%s: %d connections, %d streams in %.1f s%s: %d ok, %d errors%n",
                label, connections, sum.streams, elapsedNs / 1e9, warmup > 0 ? " (warm-up included)" : "", sum.ok, sum.errors());
        System.out.printf(Locale.ROOT, "  first token  p50 %s  p90 %s  p99 %s  max %s  (%d streams)%n",
                ms(pct(ttft, 50)), ms(pct(ttft, 90)), ms(pct(ttft, 99)), ms(pct(ttft, 100)), ttft.length);
        System.out.printf(Locale.ROOT, "  whole stream p50 %s  p99 %s  max %s%n", ms(pct(total, 50)), ms(pct(total, 99)), ms(pct(total, 100)));
        System.out.printf(Locale.ROOT, "  event gaps   min %s  p50 %s  p99 %s  max %s  (%d gaps; %d under %s ms: batched)%n",
                ms(pct(gaps, 0)), ms(pct(gaps, 50)), ms(pct(gaps, 99)), ms(pct(gaps, 100)), gaps.length, batched, batchedMs);
        if (sum.attemptedStreams > 0) {
            System.out.printf(Locale.ROOT, "  x-lifeline-attempts: %d over %d responses (%d beyond one each)%n",
                    sum.attempts, sum.attemptedStreams, extra);
        }
        if (sum.errors() > 0) {
            System.out.printf(Locale.ROOT, "  errors: status %d, no_done %d, error_event %d, reset %d, timeout %d; first ones:%n",
                    sum.errStatus, sum.errNoDone, sum.errEvent, sum.errReset, sum.errTimeout);
            samples.forEach(s -> System.out.println("    " + s));
        }
        System.out.printf(Locale.ROOT, "STREAMS label=%s conns=%d streams=%d ok=%d errors=%d err_status=%d err_nodone=%d "
                        + "err_event=%d err_reset=%d err_timeout=%d ttft_n=%d ttft_p50_us=%d ttft_p90_us=%d ttft_p99_us=%d "
                        + "ttft_max_us=%d total_p50_us=%d total_p99_us=%d total_max_us=%d content_events=%d gaps=%d batched=%d "
                        + "gap_min_us=%d gap_p50_us=%d gap_p99_us=%d gap_max_us=%d attempts=%d attempted_streams=%d "
                        + "extra_attempts=%d elapsed_ms=%d%n",
                label, connections, sum.streams, sum.ok, sum.errors(), sum.errStatus, sum.errNoDone, sum.errEvent,
                sum.errReset, sum.errTimeout, ttft.length, us(pct(ttft, 50)), us(pct(ttft, 90)), us(pct(ttft, 99)),
                us(pct(ttft, 100)), us(pct(total, 50)), us(pct(total, 99)), us(pct(total, 100)), sum.contentEvents,
                gaps.length, batched, us(pct(gaps, 0)), us(pct(gaps, 50)), us(pct(gaps, 99)), us(pct(gaps, 100)),
                sum.attempts, sum.attemptedStreams, extra, elapsedNs / 1_000_000);
    }

    private static long[] sorted(List<Long> xs) {
        long[] a = xs.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    /** Nearest-rank percentile of a sorted array; p 0 is the minimum; -1 when empty. */
    private static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return -1;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long us(long ns) {
        return ns < 0 ? -1 : ns / 1000;
    }

    private static String ms(long ns) {
        return ns < 0 ? "-" : String.format(Locale.ROOT, "%.3f ms", ns / 1e6);
    }
}
