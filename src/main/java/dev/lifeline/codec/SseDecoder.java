package dev.lifeline.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Incremental Server-Sent Events framing: feed bytes as they arrive, get complete events back. Lines may end in
 * CRLF, LF or CR; multi-line {@code data} is joined with LF; comments ({@code :keep-alive}) yield no event.
 * Pure and single-threaded.
 */
public final class SseDecoder {
    /** One dispatched event. {@code event} is empty when the stream did not name it. */
    public record Event(String event, String data) {
    }

    /** An event larger than this is not a chat chunk but a broken or hostile stream. */
    public static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;

    private byte[] buf = new byte[1024];
    private int len;
    private int eventBytes;
    private String eventName = "";
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private boolean lastWasCr;

    /** Thrown when the stream is not SSE any more. */
    public static final class MalformedStreamException extends Exception {
        public MalformedStreamException(String message) {
            super(message, null, false, false);
        }
    }

    public List<Event> feed(byte[] bytes, int offset, int length) throws MalformedStreamException {
        List<Event> out = new ArrayList<>(2);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            byte b = bytes[i++];
            if (lastWasCr) {
                lastWasCr = false;
                if (b == '\n') {
                    continue; // the LF of a CRLF pair
                }
            }
            if (b == '\n' || b == '\r') {
                lastWasCr = b == '\r';
                line(out);
                continue;
            }
            if (len == buf.length) {
                if (buf.length >= MAX_EVENT_BYTES) {
                    throw new MalformedStreamException("stream line longer than " + MAX_EVENT_BYTES + " bytes");
                }
                buf = java.util.Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_EVENT_BYTES));
            }
            buf[len++] = b;
        }
        return out;
    }

    public List<Event> feed(byte[] bytes) throws MalformedStreamException {
        return feed(bytes, 0, bytes.length);
    }

    /** True if a partial event is still buffered (the stream ended in the middle of an event). */
    public boolean hasPartialEvent() {
        return len > 0 || hasData;
    }

    private void line(List<Event> out) throws MalformedStreamException {
        if (len == 0) {
            if (hasData) {
                out.add(new Event(eventName, data.toString()));
            }
            eventName = "";
            data.setLength(0);
            hasData = false;
            eventBytes = 0;
            return;
        }
        eventBytes += len;
        if (eventBytes > MAX_EVENT_BYTES) {
            throw new MalformedStreamException("stream event larger than " + MAX_EVENT_BYTES + " bytes");
        }
        String text = new String(buf, 0, len, StandardCharsets.UTF_8);
        len = 0;
        if (text.charAt(0) == ':') {
            return; // comment
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> eventName = value;
            default -> {
                // id, retry and unknown fields carry nothing a chat stream needs
            }
        }
    }

    /** Encodes one event the way it is forwarded: {@code event:} when named, one {@code data:} line per line. */
    public static byte[] encode(Event e) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(e.data().length() + 16);
        if (!e.event().isEmpty()) {
            out.writeBytes(("event: " + e.event() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        for (String line : e.data().split("\n", -1)) {
            out.writeBytes(("data: " + line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        out.write('\n');
        return out.toByteArray();
    }
}
