package dev.lifeline.chat;

/** The kind of call a client makes, independent of dialect. */
public enum Endpoint {
    CHAT("chat"),
    EMBEDDINGS("embeddings");

    private final String label;

    Endpoint(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
