package dev.lifeline.codec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Incremental Server-Sent Events framing: feed bytes as they arrive, get complete events back. Lines may end in
 * CRLF, LF or CR; multi-line {@code data} is joined with LF; comments ({@code :keep-alive}) yield no event.
 * Pure and single-threaded.
 */
public final class SseDecoder {
    /**
     * One dispatched event. {@code event} is empty when the stream did not name it. The data is kept as the UTF-8
     * bytes that arrived (invalid sequences replaced, as a {@code String} would), so that the per-token path can read
     * and forward it without decoding it to text; {@link #data()} decodes it on demand.
     */
    public static final class Event {
        private final String event;
        private final byte[] data;
        private String text;

        public Event(String event, String data) {
            this.event = Objects.requireNonNull(event);
            this.text = data;
            this.data = data.getBytes(StandardCharsets.UTF_8);
        }

        private Event(String event, byte[] data) {
            this.event = event;
            this.data = data;
        }

        public String event() {
            return event;
        }

        public String data() {
            if (text == null) {
                text = new String(data, StandardCharsets.UTF_8);
            }
            return text;
        }

        /** The data's UTF-8 bytes: shared, not a copy, so read only. */
        public byte[] dataBytes() {
            return data;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Event e && event.equals(e.event) && Arrays.equals(data, e.data);
        }

        @Override
        public int hashCode() {
            return 31 * event.hashCode() + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "Event[event=" + event + ", data=" + data() + "]";
        }
    }

    /** An event larger than this is not a chat chunk but a broken or hostile stream. */
    public static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

    private byte[] buf = new byte[1024];
    private int len;
    private int eventBytes;
    private String eventName = "";
    private byte[] data = new byte[256];
    private int dataLen;
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
                buf = Arrays.copyOf(buf, Math.min(buf.length * 2, MAX_EVENT_BYTES));
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
                out.add(new Event(eventName, Utf8.sanitized(Arrays.copyOf(data, dataLen))));
            }
            eventName = "";
            dataLen = 0;
            hasData = false;
            eventBytes = 0;
            return;
        }
        eventBytes += len;
        if (eventBytes > MAX_EVENT_BYTES) {
            throw new MalformedStreamException("stream event larger than " + MAX_EVENT_BYTES + " bytes");
        }
        int lineLen = len;
        len = 0;
        if (buf[0] == ':') {
            return; // comment
        }
        int colon = indexOf(buf, lineLen, (byte) ':');
        int nameLen = colon < 0 ? lineLen : colon;
        int valueStart = colon < 0 ? lineLen : colon + 1;
        if (valueStart < lineLen && buf[valueStart] == ' ') {
            valueStart++;
        }
        if (Arrays.equals(buf, 0, nameLen, DATA, 0, DATA.length)) {
            if (hasData) {
                appendData((byte) '\n');
            }
            appendData(buf, valueStart, lineLen - valueStart);
            hasData = true;
        } else if (Arrays.equals(buf, 0, nameLen, EVENT, 0, EVENT.length)) {
            eventName = new String(buf, valueStart, lineLen - valueStart, StandardCharsets.UTF_8);
        }
        // id, retry and unknown fields carry nothing a chat stream needs
    }

    private void appendData(byte b) {
        ensureData(1);
        data[dataLen++] = b;
    }

    private void appendData(byte[] src, int from, int n) {
        ensureData(n);
        System.arraycopy(src, from, data, dataLen, n);
        dataLen += n;
    }

    private void ensureData(int more) {
        if (dataLen + more > data.length) {
            data = Arrays.copyOf(data, Math.max(data.length * 2, dataLen + more));
        }
    }

    private static int indexOf(byte[] a, int n, byte b) {
        for (int i = 0; i < n; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }

    /** Encodes one event the way it is forwarded: {@code event:} when named, one {@code data:} line per line. */
    public static byte[] encode(Event e) {
        byte[] data = e.dataBytes();
        byte[] name = e.event().isEmpty() ? null : e.event().getBytes(StandardCharsets.UTF_8);
        int lines = 1;
        for (byte b : data) {
            if (b == '\n') {
                lines++;
            }
        }
        // "data: " + line + LF per line (the LFs between lines are already counted in data.length), then a blank line
        int size = (name == null ? 0 : name.length + 8) + data.length + lines * 6 + 2;
        byte[] out = new byte[size];
        int at = 0;
        if (name != null) {
            at = put(out, at, "event: ");
            System.arraycopy(name, 0, out, at, name.length);
            at += name.length;
            out[at++] = '\n';
        }
        int lineStart = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n') {
                at = put(out, at, "data: ");
                System.arraycopy(data, lineStart, out, at, i - lineStart);
                at += i - lineStart;
                out[at++] = '\n';
                lineStart = i + 1;
            }
        }
        out[at] = '\n';
        return out;
    }

    private static int put(byte[] out, int at, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            out[at++] = (byte) ascii.charAt(i);
        }
        return at;
    }
}
