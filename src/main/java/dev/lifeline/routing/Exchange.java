package dev.lifeline.routing;

import dev.lifeline.backend.Failure;
import dev.lifeline.backend.Backend;
import dev.lifeline.backend.Frame;
import dev.lifeline.backend.UpstreamCall;
import dev.lifeline.backend.UpstreamListener;
import dev.lifeline.backend.UpstreamRequest;
import dev.lifeline.chat.StreamEvent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One client request on its way through the route's targets: a small state machine confined to the client
 * connection's event loop, so it needs no locks.
 *
 * <pre>
 *   ATTEMPTING --failure--> (rule: retry | next | stop)
 *       | first content (stream) or whole body
 *       v
 *   COMMITTED --failure--> CONTINUING (a target that supports prefill) or an in-band error
 *       | finish / [DONE]
 *       v
 *     DONE
 * </pre>
 *
 * Before the commit point nothing has reached the client, so every failure can still be hidden. After it, the
 * client is told the truth: never a clean end after a truncated answer.
 */
public final class Exchange {
    /** After the upstream reported the finish reason, the stream's own end marker is waited for at most this long. */
    static final Duration DONE_GRACE = Duration.ofSeconds(1);

    private enum Phase { ATTEMPTING, COMMITTED, CONTINUING, DONE }

    private final Gateway gateway;
    private final String requestId;
    private final ClientRequest request;
    private final ClientProtocol protocol;
    private final ClientAnswer answer;
    /** The first target skipped because the request could not be translated for it: the 400 when nothing else worked. */
    private Optional<Refusal> refused = Optional.empty();
    private int refusedTargets;
    private final ClientSink sink;
    private final ScheduledExecutorService loop;
    private final long startNanos;
    private final Instant received;
    private final boolean contingency;

    private Route route;
    private List<Target> targets = List.of();
    private int index;
    private Target target;
    private Breaker breaker;
    private int retriesUsed;
    private UpstreamCall call;
    private int callNo;
    private BackendGate.Turn turn;
    private int turnNo;
    /** The current call is a drill's fault, not a real one: its failures say so (see {@link #reason}). */
    private boolean drilled;
    /** The current target's breaker permission is held: it must be settled exactly once. */
    private boolean permitHeld;
    private long attemptStartNanos;
    private ScheduledFuture<?> timer;
    /** The call the armed idle timer watches, or -1 when {@link #timer} is something else. */
    private int idleTimerCall = -1;
    private long idleDeadline;
    private Phase phase = Phase.ATTEMPTING;

    private final List<Attempt> attempts = new ArrayList<>();
    private final List<Frame> pending = new ArrayList<>();
    private final StringBuilder answerText = new StringBuilder();
    private boolean toolCalls;
    private boolean clientSlow;
    private boolean finishSeen;
    private Optional<Long> minContextWindow = Optional.empty();
    private Failure contextFailure;
    /** The target that answered {@link #contextFailure}: its error body is in that target's dialect. */
    private Target contextFailureTarget;
    /** True once a continuation forwarded its first content: its framing after that reaches the client. */
    private boolean continuationStarted;
    private Failure interruption;
    private Target interruptedTarget;
    private Target committedTarget;
    private Optional<String> failover = Optional.empty();
    private Optional<Duration> ttft = Optional.empty();
    private long promptTokens;
    private long completionTokens;
    private Consumer<ExchangeRecord> onFinished = r -> {
    };

    Exchange(Gateway gateway, String requestId, ClientRequest request, ClientProtocol protocol, ClientSink sink,
             ScheduledExecutorService loop, Clock clock) {
        this.gateway = gateway;
        this.requestId = requestId;
        this.request = request;
        this.protocol = protocol;
        this.answer = request.answer();
        this.sink = sink;
        this.loop = loop;
        this.startNanos = System.nanoTime();
        this.received = clock.instant();
        this.contingency = gateway.contingency();
    }

    // ------------------------------------------------------------------ entry points (event loop only)

    /** Runs when the exchange ends, after the observers (e.g. to charge a key's token budget). Before {@link #start}. */
    public void onFinished(Consumer<ExchangeRecord> action) {
        this.onFinished = action;
    }

    /** Routes the request and sends the first attempt. */
    public void start() {
        gateway.observer().started();
        Optional<Route> r = gateway.router().route(request.model());
        if (r.isEmpty()) {
            // The front door names the models a client may use; the engine does not know who the client is.
            respondError(404, "no route for model '" + request.model() + "'", Optional.of("model"), "model_not_found", Map.of());
            return;
        }
        route = r.get();
        targets = route.targetsFor(request.model());
        advance();
    }

    /** The client went away: stop the upstream call, and do not hold it against the target. */
    public void cancel() {
        if (phase == Phase.DONE) {
            return;
        }
        cancelTimer();
        releaseTurn();
        releasePermit();
        if (call != null) {
            dropCall();
            record("cancelled", Failure.of(Failure.Kind.CLIENT_CANCELLED, "client disconnected").reason(), "cancel the upstream call");
        }
        finish(499, "cancelled");
    }

    /**
     * The client's connection became writable again, or stopped being: pass the pressure on to the upstream. While
     * the client is the slow side, the idle timer is off: a stall of our own making is not the upstream's fault.
     */
    public void onWritabilityChanged(boolean writable) {
        if (call == null || phase == Phase.DONE || phase == Phase.ATTEMPTING) {
            return;
        }
        if (writable && clientSlow) {
            clientSlow = false;
            call.resume();
            armAfterChunk();
        } else if (!writable && !clientSlow) {
            clientSlow = true;
            call.pause();
            arm(gateway.config().limits().idleTimeout(), this::clientStoppedReading); // the client's own patience
        }
    }

    /**
     * The client has not read anything for {@code limits.idle_timeout}: it is holding a backend turn and an upstream
     * connection for nothing. Everything is released (nothing is held against the target) and the client closed.
     */
    private void clientStoppedReading() {
        releaseTurn();
        releasePermit();
        dropCall();
        record("cancelled", "client stopped reading", "close the client connection");
        finish(499, "cancelled");
        sink.abort();
    }

    // ------------------------------------------------------------------ choosing targets

    private void advance() {
        while (index < targets.size()) {
            Target t = targets.get(index);
            Optional<String> refusal = refusal(t);
            Optional<String> skip = refusal.or(() -> skipReason(t));
            if (skip.isEmpty()) {
                Breaker b = gateway.breakers().forTarget(t.backendName(), t.model());
                if (b.tryAcquire()) {
                    retriesUsed = 0;
                    take(t, b, Optional.empty());
                    return;
                }
                skip = Optional.of("circuit open" + (b.lastFailure().isEmpty() ? "" : " after " + b.lastFailure()));
            }
            attempts.add(new Attempt(t.label(), t.backendName(), t.cloud(), "skipped", skip.get(), "next target", since(startNanos), Duration.ZERO));
            // Not a failover: skipping the cloud is what contingency mode and local-only keys are for, and a target
            // that cannot carry the request is not unavailable.
            if (!(t.cloud() && (contingency || request.localOnly())) && refusal.isEmpty()) {
                noteFailover(t, skip.get());
            }
            index++;
        }
        exhausted();
    }

    /** A target whose dialect cannot carry the request is skipped; the first such refusal is kept for the 400. */
    private Optional<String> refusal(Target t) {
        Optional<Refusal> refusal = request.refusalFor(t);
        if (refusal.isEmpty()) {
            return Optional.empty();
        }
        if (refused.isEmpty()) {
            refused = refusal;
        }
        refusedTargets++;
        return Optional.of(refusal.get().kind() == Refusal.Kind.NOT_ALLOWED ? "not allowed: " + refusal.get().message()
                : "cannot be translated for " + t.backend().dialect().wireName() + ": " + refusal.get().message());
    }

    /**
     * Whether a target after the current one is not known down. When every remaining one is, the current one is tried
     * anyway: the health check may be a few seconds old, and trying costs less than failing without trying.
     */
    private boolean laterTargetMayServe() {
        for (int i = index + 1; i < targets.size(); i++) {
            Target o = targets.get(i);
            boolean cloudSkipped = o.cloud() && (contingency || request.localOnly());
            if (!cloudSkipped && gateway.knownDown(o.backendName()).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    private Optional<String> skipReason(Target t) {
        if (contingency && t.cloud()) {
            return Optional.of("contingency mode: cloud skipped");
        }
        if (request.localOnly() && t.cloud()) {
            return Optional.of("local-only key: cloud skipped");
        }
        Optional<String> down = gateway.knownDown(t.backendName());
        if (down.isPresent() && laterTargetMayServe()) {
            // the background health check found it unreachable: no user request waits for its connect timeout
            return Optional.of("down at the last health check: " + down.get());
        }
        if (minContextWindow.isPresent()) {
            OptionalLong w = t.spec().contextWindow();
            if (w.isEmpty() || w.getAsLong() <= minContextWindow.get()) {
                return Optional.of("context window not larger than the one exceeded");
            }
        }
        return Optional.empty();
    }

    /**
     * Sends to a target whose breaker permission the caller has just acquired, after waiting for a turn on its
     * backend when that has a concurrency cap.
     */
    private void take(Target t, Breaker b, Optional<String> prefill) {
        releaseTurn();
        target = t;
        breaker = b;
        permitHeld = true;
        drilled = false;
        attemptStartNanos = System.nanoTime();
        BackendGate gate = gateway.gate(t.backendName());
        if (gate == null) {
            send(t, b, prefill);
            return;
        }
        int token = ++turnNo;
        BackendGate.Turn granted = gate.acquire(loop, () -> {
            if (phase != Phase.DONE) {
                send(t, b, prefill);
            }
        }, reason -> {
            if (phase != Phase.DONE && token == turnNo) {
                Failure busy = Failure.of(Failure.Kind.BACKEND_BUSY, reason);
                if (phase == Phase.ATTEMPTING) {
                    attemptFailed(busy);
                } else {
                    interrupted(busy); // the continuation found no turn: the stream ends with its error
                }
            }
        });
        if (token == turnNo && phase != Phase.DONE) {
            turn = granted; // unless the exchange already moved on inside acquire (refused at once)
        } else {
            granted.release();
        }
    }

    private void releaseTurn() {
        if (turn != null) {
            turn.release();
            turn = null;
        }
    }

    /** Settles the breaker permission of the current attempt with its outcome. */
    private void settlePermit(Duration took, Optional<Failure> failure) {
        if (!permitHeld) {
            return;
        }
        permitHeld = false;
        if (failure.isEmpty()) {
            breaker.success(took);
        } else if (FailureRules.countsAgainstTarget(failure.get())) {
            breaker.failure(took, failure.get(), reason(failure.get()));
        } else {
            breaker.release();
        }
    }

    private void releasePermit() {
        if (permitHeld) {
            permitHeld = false;
            breaker.release();
        }
    }

    /** Stops the current call; anything it still delivers (events already read) is ignored from now on. */
    private void dropCall() {
        if (call != null) {
            call.cancel();
            call = null;
        }
        callNo++;
    }

    private void send(Target t, Breaker b, Optional<String> prefill) {
        target = t;
        breaker = b;
        attemptStartNanos = System.nanoTime();
        int no = ++callNo;
        Backend backend = gateway.backend(t.backendName());
        boolean stream = request.stream();
        UpstreamRequest up = new UpstreamRequest(request.endpoint(), request.bodyFor(t, prefill), stream,
                t.timeouts().connect(), requestId);
        Duration silentAfter = stream ? t.timeouts().firstToken() : t.timeouts().response();
        arm(silentAfter, () -> onFailure(no, stream
                ? Failure.of(Failure.Kind.FIRST_TOKEN_TIMEOUT, "no first token within " + silentAfter.toMillis() + " ms")
                : Failure.of(Failure.Kind.RESPONSE_TIMEOUT, "no complete answer within " + silentAfter.toMillis() + " ms")));
        // A drill fails the attempt here, before anything is sent, the way the real outage would
        Optional<DrillFault> fault = gateway.drill().faultFor(t);
        drilled = fault.isPresent();
        UpstreamCall c = drilled ? DrillCall.start(fault.get(), up.connectTimeout(), loop, new Listener(no))
                : backend.call(up, loop, new Listener(no));
        if (no == callNo && phase != Phase.DONE) {
            call = c; // unless the call already failed synchronously and the exchange moved on
        }
    }

    // ------------------------------------------------------------------ upstream events

    private final class Listener implements UpstreamListener {
        private final int no;

        Listener(int no) {
            this.no = no;
        }

        @Override
        public void onFrame(Frame frame) {
            if (no == callNo && phase != Phase.DONE) {
                Exchange.this.onFrame(frame);
            }
        }

        @Override
        public void onEnd() {
            if (no == callNo && phase != Phase.DONE) {
                Exchange.this.onEnd();
            }
        }

        @Override
        public void onReadComplete() {
            if (no == callNo && (phase == Phase.COMMITTED || phase == Phase.CONTINUING)) {
                sink.flush(); // every event read so far goes out now: one write per read, not per event
            }
        }

        @Override
        public void onBody(byte[] body, String contentType, Optional<StreamEvent.Usage> usage) {
            if (no == callNo && phase != Phase.DONE) {
                Exchange.this.onBody(body, contentType, usage);
            }
        }

        @Override
        public void onFailure(Failure failure) {
            Exchange.this.onFailure(no, failure);
        }
    }

    // The per-token path: plain loops over a frame's (one or two) events, no streams or lambdas.
    private void onFrame(Frame frame) {
        boolean doneMarker = false;
        for (StreamEvent e : frame.events()) {
            if (e instanceof StreamEvent.Error error) {
                failCall(Failure.of(Failure.Kind.IN_BAND_ERROR, "error event in the stream: "
                        + error.type() + (error.message().isEmpty() ? "" : " (" + abbreviate(error.message()) + ")")));
                return;
            }
            doneMarker |= e instanceof StreamEvent.Done;
        }
        if (phase == Phase.ATTEMPTING) {
            if (doneMarker) {
                failCall(Failure.of(Failure.Kind.TRUNCATED, "stream ended before any content"));
                return;
            }
            pending.add(frame);
            if (frame.hasContent()) {
                commitStream();
            }
            return;
        }
        forward(frame);
    }

    private void commitStream() {
        phase = Phase.COMMITTED;
        committedTarget = target;
        ttft = Optional.of(since(startNanos));
        sink.startStream(protocol.streamContentType(), responseHeaders(true));
        List<Frame> frames = List.copyOf(pending);
        pending.clear();
        for (Frame f : frames) {
            forward(f);
            if (phase == Phase.DONE) {
                return;
            }
        }
    }

    /** A frame after the commit point goes straight to the client. */
    private void forward(Frame frame) {
        boolean done = false;
        for (StreamEvent e : frame.events()) {
            switch (e) {
                case StreamEvent.TextDelta t -> answerText.append(t.text());
                case StreamEvent.ToolCallDelta t -> toolCalls = true;
                case StreamEvent.Finish f -> finishSeen = true;
                case StreamEvent.Usage u -> {
                    promptTokens = u.promptTokens();
                    completionTokens = u.completionTokens();
                }
                case StreamEvent.Done d -> done = true;
                default -> {
                }
            }
        }
        if (phase == Phase.CONTINUING && !continuationStarted) {
            if (frame.events().isEmpty()) {
                return; // the continuation's own opening (a role chunk, message_start...): the client already has one
            }
            continuationStarted = true; // after this, its framing (a content block's end...) belongs to the answer
        }
        boolean usageOnly = !frame.events().isEmpty();
        for (StreamEvent e : frame.events()) {
            usageOnly &= e instanceof StreamEvent.Usage;
        }
        if (usageOnly && request.hideUsageOnlyChunks() && answer.passesThrough(target)) {
            armAfterChunk(); // counted above; the client did not ask for it
            return;
        }
        byte[] bytes = answer.frame(target, frame);
        if (bytes.length > 0) {
            sink.send(bytes);
        }
        if (done) {
            succeed();
            return;
        }
        if (!sink.isWritable()) {
            onWritabilityChanged(false);
        } else {
            armAfterChunk();
        }
    }

    /** After a chunk: wait for the next one (idle timeout), or briefly for the end marker once the answer is finished. */
    private void armAfterChunk() {
        if (finishSeen) {
            arm(DONE_GRACE, this::finishWithoutDone);
        } else {
            armIdle();
        }
    }

    /**
     * The idle timer is scheduled once per call and moved lazily: a chunk only pushes {@link #idleDeadline} forward,
     * and the timer, when it fires early, sleeps again for what is left. Re-scheduling a timer for every token cost
     * a task allocation and a timer-queue insert and removal each.
     */
    private void armIdle() {
        Duration idle = target.timeouts().idle();
        idleDeadline = System.nanoTime() + idle.toNanos();
        if (timer != null && idleTimerCall == callNo) {
            return;
        }
        arm(idle, this::idleCheck);
        idleTimerCall = callNo;
    }

    private void idleCheck() {
        long left = idleDeadline - System.nanoTime();
        if (left > 0) {
            timer = loop.schedule(this::idleCheck, left, TimeUnit.NANOSECONDS);
            return;
        }
        int no = idleTimerCall;
        idleTimerCall = -1;
        onFailure(no, Failure.of(Failure.Kind.IDLE_TIMEOUT, "no chunk for " + target.timeouts().idle().toMillis() + " ms"));
    }

    private void onEnd() {
        if (phase == Phase.ATTEMPTING) {
            failCallEnded(Failure.of(Failure.Kind.TRUNCATED, "stream ended before any content"));
        } else if (finishSeen) {
            finishWithoutDone();
        } else {
            call = null;
            interrupted(Failure.of(Failure.Kind.TRUNCATED, "stream ended before the answer was finished"));
        }
    }

    /** The upstream finished its answer but did not send the end marker: end the stream for it, at once. */
    private void finishWithoutDone() {
        if (call != null) {
            call.cancel();
        }
        sink.send(answer.done());
        succeed();
    }

    private void onBody(byte[] body, String contentType, Optional<StreamEvent.Usage> usage) {
        Optional<ClientAnswer.Body> out = answer.body(target, body, contentType);
        if (out.isEmpty()) {
            onFailure(callNo, Failure.of(Failure.Kind.MALFORMED, "the answer could not be read for translation"));
            return;
        }
        usage.ifPresent(u -> {
            promptTokens = u.promptTokens();
            completionTokens = u.completionTokens();
        });
        cancelTimer();
        call = null;
        ttft = Optional.of(since(startNanos));
        phase = Phase.COMMITTED;
        Map<String, String> headers = responseHeaders(true);
        served();
        finish(200, "ok");
        sink.respond(200, out.get().contentType(), headers, out.get().bytes());
    }

    private void onFailure(int no, Failure failure) {
        if (no != callNo || phase == Phase.DONE) {
            return;
        }
        dropCall();
        if (phase == Phase.ATTEMPTING) {
            attemptFailed(failure);
        } else {
            interrupted(failure);
        }
    }

    /** A failure found while reading a response that is still open: stop reading it. */
    private void failCall(Failure f) {
        onFailure(callNo, f);
    }

    /** A failure found once the response is complete (its connection has already gone back to the pool). */
    private void failCallEnded(Failure f) {
        call = null;
        onFailure(callNo, f);
    }

    // ------------------------------------------------------------------ before the commit point

    private void attemptFailed(Failure f) {
        cancelTimer();
        releaseTurn();
        pending.clear();
        Duration took = since(attemptStartNanos);
        settlePermit(took, Optional.of(f));
        Decision d = FailureRules.decide(f, retriesUsed, target.retries(), target.backend().maxRetryAfter(), target.spec().contextWindow());
        String outcome = f.kind() == Failure.Kind.BACKEND_BUSY ? "skipped" : "failed";
        String reason = reason(f);
        attempts.add(new Attempt(target.label(), target.backendName(), target.cloud(), outcome, reason, d.rule(),
                Duration.ofNanos(attemptStartNanos - startNanos), took));
        if (f.kind() == Failure.Kind.HTTP_STATUS && (f.status() == 401 || f.status() == 403)) {
            gateway.warnCredentialsRefused(target, f);
        }
        switch (d) {
            case Decision.Retry retry -> {
                Target t = target;
                Breaker b = breaker;
                retriesUsed++;
                loop.schedule(() -> {
                    if (phase != Phase.ATTEMPTING) {
                        return;
                    }
                    if (b.tryAcquire()) {
                        take(t, b, Optional.empty());
                    } else {
                        // The failures so far opened the circuit: the retry would be refused too.
                        attempts.add(new Attempt(t.label(), t.backendName(), t.cloud(), "skipped", "circuit opened after " + reason,
                                "next target", since(startNanos), Duration.ZERO));
                        noteFailover(t, reason);
                        index++;
                        advance();
                    }
                }, retry.delay().toNanos(), TimeUnit.NANOSECONDS);
            }
            case Decision.Next next -> {
                next.coolDown().ifPresent(c -> breaker.coolDown(c, reason));
                if (next.minContextWindow().isPresent()) {
                    minContextWindow = next.minContextWindow();
                    contextFailure = f;
                    contextFailureTarget = target;
                }
                noteFailover(target, reason);
                index++;
                advance();
            }
            case Decision.Stop stop -> returnUpstreamError(f, target);
        }
    }

    private void exhausted() {
        if (contextFailure != null) {
            returnUpstreamError(contextFailure, contextFailureTarget);
            return;
        }
        List<Attempt> sent = attempts.stream().filter(Attempt::wasSent).toList();
        Map<String, String> headers = new LinkedHashMap<>();
        if (sent.isEmpty()) {
            if (refused.isPresent() && refusedTargets == attempts.size()) {
                boolean allowed = refused.get().kind() == Refusal.Kind.UNTRANSLATABLE;
                respondError(allowed ? 400 : 403, refused.get().message(), refused.get().param(),
                        allowed ? "lifeline_untranslatable" : "model_not_allowed", headers);
                return;
            }
            if (attempts.isEmpty()) {
                respondError(503, "route '" + route.name() + "' has no targets", Optional.empty(), "lifeline_no_target", headers);
                return;
            }
            if (attempts.stream().allMatch(a -> a.cloud()) && (contingency || request.localOnly())) {
                String why = request.localOnly() ? "this key is local-only" : "contingency mode is on";
                respondError(503, why + " and route '" + route.name() + "' has no local target",
                        Optional.empty(), "lifeline_no_local_target", headers);
                return;
            }
            gateway.retryIn(targets).ifPresent(d -> headers.put("retry-after", String.valueOf(Math.max(1, (d.toMillis() + 999) / 1000))));
        }
        if (!headers.containsKey("retry-after")) {
            headers.put("x-should-retry", "false"); // the gateway already retried: a client retry storm helps nobody
        }
        respondError(503, "every target failed: " + summary(), Optional.empty(), "lifeline_all_targets_failed", headers);
    }

    /** An upstream's error to the client: its body as it came when {@code from} speaks the client's dialect. */
    private void returnUpstreamError(Failure f, Target from) {
        Map<String, String> headers = responseHeaders(false);
        headers.remove("x-lifeline-backend");
        headers.remove("x-lifeline-model");
        if (f.body().length > 0 && answer.passesThrough(from)) {
            finish(f.status(), "error");
            sink.respond(f.status(), f.contentType().isEmpty() ? "application/json" : f.contentType(), headers, f.body());
        } else {
            respondError(f.status(), "upstream error: " + f.reason(), Optional.empty(), "upstream_error", headers);
        }
    }

    // ------------------------------------------------------------------ after the commit point

    private void interrupted(Failure f) {
        cancelTimer();
        releaseTurn();
        Duration took = since(attemptStartNanos);
        settlePermit(took, Optional.of(f));
        if (phase == Phase.CONTINUING) {
            attempts.add(new Attempt(target.label(), target.backendName(), target.cloud(), "failed", reason(f),
                    "continuation failed: report the original interruption", Duration.ofNanos(attemptStartNanos - startNanos), took));
            endWithError();
            return;
        }
        interruption = f;
        interruptedTarget = target;
        Optional<Pick> next = continuationTarget();
        attempts.add(new Attempt(target.label(), target.backendName(), target.cloud(), "interrupted", f.reason(),
                next.isPresent() ? "continue on a target that supports prefill" : "end the stream with an error",
                Duration.ofNanos(attemptStartNanos - startNanos), took));
        if (next.isEmpty()) {
            endWithError();
            return;
        }
        phase = Phase.CONTINUING;
        continuationStarted = false;
        finishSeen = false;
        noteFailover(interruptedTarget, f.reason() + " mid-stream");
        take(next.get().target(), next.get().breaker(), Optional.of(answerText.toString()));
    }

    private record Pick(Target target, Breaker breaker) {
    }

    /** The next target after the interrupted one that declares continuation support and may be used now. */
    private Optional<Pick> continuationTarget() {
        if (toolCalls || answerText.isEmpty()) {
            return Optional.empty();
        }
        for (int i = index + 1; i < targets.size(); i++) {
            Target t = targets.get(i);
            if (t.spec().continuation() && answer.canContinueOn(t) && request.refusalFor(t).isEmpty() && skipReason(t).isEmpty()) {
                Breaker b = gateway.breakers().forTarget(t.backendName(), t.model());
                if (b.tryAcquire()) {
                    index = i;
                    return Optional.of(new Pick(t, b));
                }
            }
        }
        return Optional.empty();
    }

    private void endWithError() {
        String message = "the answer was interrupted: " + interruptedTarget.label() + ": " + interruption.reason()
                + " (" + interruption.detail() + "); the text so far is incomplete";
        finish(200, "interrupted");
        sink.send(protocol.streamError(message, "lifeline_stream_interrupted"));
        sink.endStream();
    }

    private void succeed() {
        cancelTimer();
        call = null;
        served();
        finish(200, "ok");
        sink.endStream();
    }

    private void served() {
        releaseTurn();
        Duration took = since(attemptStartNanos);
        settlePermit(took, Optional.empty());
        attempts.add(new Attempt(target.label(), target.backendName(), target.cloud(), "served", "", "",
                Duration.ofNanos(attemptStartNanos - startNanos), took));
    }

    // ------------------------------------------------------------------ responses and bookkeeping

    /**
     * The informational headers; {@code current} counts the attempt in progress, which is not recorded yet. Values may
     * carry provider text: the sink makes them safe for HTTP.
     */
    private Map<String, String> responseHeaders(boolean current) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("x-request-id", requestId);
        if (target != null) {
            h.put("x-lifeline-backend", target.backendName());
            h.put("x-lifeline-model", target.model());
        }
        h.put("x-lifeline-attempts", String.valueOf(attempts.stream().filter(Attempt::wasSent).count() + (current ? 1 : 0)));
        failover.ifPresent(f -> h.put("x-lifeline-failover", f));
        h.put("x-lifeline-mode", contingency ? "contingency" : "normal");
        return h;
    }

    private void respondError(int status, String message, Optional<String> param, String code, Map<String, String> extra) {
        cancelTimer();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("x-request-id", requestId);
        headers.put("x-lifeline-attempts", String.valueOf(attempts.stream().filter(Attempt::wasSent).count()));
        headers.put("x-lifeline-mode", contingency ? "contingency" : "normal");
        headers.putAll(extra);
        finish(status, "error");
        sink.respond(status, protocol.errorContentType(), headers, protocol.errorBody(status, message, param, code));
    }

    private void record(String outcome, String reason, String decision) {
        if (target != null) {
            attempts.add(new Attempt(target.label(), target.backendName(), target.cloud(), outcome, reason, decision,
                    Duration.ofNanos(attemptStartNanos - startNanos), since(attemptStartNanos)));
        }
    }

    /** A failure's reason for headers, logs and the breaker; a drill's says so, lest anyone chase a real outage. */
    private String reason(Failure f) {
        return drilled ? f.reason() + " (drill)" : f.reason();
    }

    private void noteFailover(Target t, String reason) {
        if (failover.isEmpty()) {
            failover = Optional.of(t.label() + ": " + reason);
        }
    }

    /** Each target once, with its last reason: {@code openai gpt-4o: HTTP 503 (2 attempts); ollama llama3.1:8b: connection refused}. */
    private String summary() {
        Map<String, String> reasons = new LinkedHashMap<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Attempt a : attempts) {
            reasons.put(a.target(), a.reason());
            counts.merge(a.target(), a.wasSent() ? 1 : 0, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        reasons.forEach((t, reason) -> parts.add(t + ": " + reason + (counts.get(t) > 1 ? " (" + counts.get(t) + " attempts)" : "")));
        return String.join("; ", parts);
    }

    /**
     * Ends the exchange: observers, breakers and the key's limits learn of it before the last bytes are written, so a
     * client that sends its next request at once finds its slot free.
     */
    private void finish(int status, String outcome) {
        if (phase == Phase.DONE) {
            return;
        }
        phase = Phase.DONE;
        cancelTimer();
        Optional<Target> servedBy = switch (outcome) {
            case "ok" -> Optional.ofNullable(target);
            case "interrupted" -> Optional.ofNullable(committedTarget);
            default -> Optional.empty();
        };
        ExchangeRecord record = new ExchangeRecord(requestId, received, request.endpoint(), request.model(),
                route == null ? "" : route.name(), request.stream(), contingency, attempts, servedBy, status, outcome,
                failover, ttft, since(startNanos), promptTokens, completionTokens);
        gateway.observer().finished(record);
        onFinished.accept(record);
    }

    private void arm(Duration d, Runnable action) {
        cancelTimer();
        timer = loop.schedule(action, d.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelTimer() {
        idleTimerCall = -1;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 117) + "...";
    }

}
