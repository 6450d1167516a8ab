package dev.lifeline.routing;

import dev.lifeline.backend.UpstreamCall;
import dev.lifeline.backend.UpstreamListener;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * An upstream call that a {@link DrillFault} makes fail without opening a socket: refused at once, or silent until
 * the connect timeout, on the exchange's own event loop (a timer, never a blocked thread), as the backend would
 * report it.
 */
final class DrillCall implements UpstreamCall {
    private final ScheduledFuture<?> failure;

    private DrillCall(ScheduledFuture<?> failure) {
        this.failure = failure;
    }

    static UpstreamCall start(DrillFault fault, Duration connectTimeout, ScheduledExecutorService loop, UpstreamListener listener) {
        Duration after = fault.mode() == DrillFault.Mode.SILENT ? connectTimeout : Duration.ZERO;
        return new DrillCall(loop.schedule(() -> listener.onFailure(fault.failure()), after.toNanos(), TimeUnit.NANOSECONDS));
    }

    @Override
    public void cancel() {
        failure.cancel(false);
    }

    @Override
    public void pause() {
    }

    @Override
    public void resume() {
    }
}
