package dev.lifeline.routing;

import dev.lifeline.config.BackendConfig.Concurrency;

import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Caps the requests in flight to one backend, with a bounded queue of requests waiting for a turn. A local GPU
 * serves one or a few requests at a time; without a cap, a burst piles up inside the model server (Ollama queues 512
 * before it answers "server busy"). Waiters are woken on their own event loop. The critical sections are a few
 * field updates, so a plain monitor is enough.
 */
final class BackendGate {
    private final String backend;
    private final Concurrency limits;
    private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
    private int inFlight;

    BackendGate(String backend, Concurrency limits) {
        this.backend = backend;
        this.limits = limits;
    }

    /** A request's place: granted, waiting, or refused. */
    interface Turn {
        /** Gives the turn back, or leaves the queue; safe to call more than once. */
        void release();
    }

    /**
     * Asks for a turn. {@code granted} runs on {@code loop} (at once when a turn is free); {@code refused} runs with
     * the reason when the queue is full or the wait times out. Exactly one of them runs, unless the turn is released
     * first.
     */
    Turn acquire(ScheduledExecutorService loop, Runnable granted, Consumer<String> refused) {
        Waiter w = new Waiter(loop, granted);
        boolean now;
        synchronized (this) {
            now = inFlight < limits.max();
            if (now) {
                inFlight++;
                w.state = Waiter.GRANTED;
            } else if (queue.size() < limits.queue()) {
                queue.addLast(w);
            } else {
                w.state = Waiter.DONE;
            }
        }
        if (now) {
            granted.run();
        } else if (w.state == Waiter.DONE) {
            refused.accept(backend + " at its limit: " + limits.max() + " in flight and " + limits.queue() + " waiting");
        } else {
            w.timeout = loop.schedule(() -> {
                if (leaveQueue(w)) {
                    refused.accept(backend + " at its limit: no turn within " + limits.queueTimeout().toMillis() + " ms");
                }
            }, limits.queueTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
        return w;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    synchronized int waiting() {
        return queue.size();
    }

    private synchronized boolean leaveQueue(Waiter w) {
        if (w.state == Waiter.QUEUED && queue.remove(w)) {
            w.state = Waiter.DONE;
            return true;
        }
        return false;
    }

    /** Hands a finished request's turn to the longest waiter, or frees it. */
    private void pass() {
        Waiter next;
        synchronized (this) {
            next = queue.pollFirst();
            if (next == null) {
                inFlight--;
                return;
            }
            next.state = Waiter.GRANTED;
        }
        if (next.timeout != null) {
            next.timeout.cancel(false);
        }
        next.loop.execute(next.granted);
    }

    private final class Waiter implements Turn {
        static final int QUEUED = 0;
        static final int GRANTED = 1;
        static final int DONE = 2;

        final ScheduledExecutorService loop;
        final Runnable granted;
        volatile ScheduledFuture<?> timeout;
        int state = QUEUED; // guarded by the gate

        Waiter(ScheduledExecutorService loop, Runnable granted) {
            this.loop = loop;
            this.granted = granted;
        }

        @Override
        public void release() {
            boolean wasGranted;
            synchronized (BackendGate.this) {
                if (state == QUEUED) {
                    queue.remove(this);
                    state = DONE;
                    wasGranted = false;
                } else {
                    wasGranted = state == GRANTED;
                    state = DONE;
                }
            }
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (wasGranted) {
                pass();
            }
        }
    }
}
