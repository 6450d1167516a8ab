package dev.lifeline.routing;

/** Hears about exchanges, for logs and metrics. Called on event loops: must not block. */
public interface ExchangeObserver {
    void started();

    void finished(ExchangeRecord record);

    /** A request refused before routing. */
    default void rejected(Rejection rejection) {
    }

    ExchangeObserver NONE = new ExchangeObserver() {
        @Override
        public void started() {
        }

        @Override
        public void finished(ExchangeRecord record) {
        }
    };
}
