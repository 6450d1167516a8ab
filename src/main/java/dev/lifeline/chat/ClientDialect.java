package dev.lifeline.chat;

/** The wire API a client speaks to the gateway. */
public enum ClientDialect {
    OPENAI
}
