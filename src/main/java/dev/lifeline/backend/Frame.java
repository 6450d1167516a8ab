package dev.lifeline.backend;

import dev.lifeline.chat.StreamEvent;

import java.util.List;

/**
 * One event of a streamed answer: its bytes as the backend's dialect wrote them (forwarded unchanged when the client
 * speaks the same dialect) and what it means.
 */
public record Frame(byte[] wire, List<StreamEvent> events) {
    public Frame {
        events = List.copyOf(events);
    }

    public boolean hasContent() {
        for (StreamEvent e : events) { // a loop, not a stream: this runs for every token
            if (StreamEvent.isContent(e)) {
                return true;
            }
        }
        return false;
    }
}
