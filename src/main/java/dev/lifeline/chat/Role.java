package dev.lifeline.chat;

/** Who speaks a message. {@link #TOOL} carries a tool's result back to the model. */
public enum Role {
    SYSTEM, USER, ASSISTANT, TOOL
}
