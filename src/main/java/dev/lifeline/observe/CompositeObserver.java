package dev.lifeline.observe;

import dev.lifeline.routing.ExchangeObserver;
import dev.lifeline.routing.ExchangeRecord;
import dev.lifeline.routing.Rejection;

import java.util.List;

/** Tells several observers, in order. */
public record CompositeObserver(List<ExchangeObserver> observers) implements ExchangeObserver {
    public CompositeObserver {
        observers = List.copyOf(observers);
    }

    @Override
    public void started() {
        for (ExchangeObserver o : observers) {
            o.started();
        }
    }

    @Override
    public void rejected(Rejection rejection) {
        for (ExchangeObserver o : observers) {
            o.rejected(rejection);
        }
    }

    @Override
    public void finished(ExchangeRecord record) {
        for (ExchangeObserver o : observers) {
            o.finished(record);
        }
    }
}
