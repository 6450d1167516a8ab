package dev.lifeline.codec.ollama;

import dev.lifeline.codec.SseDecoder;
import dev.lifeline.codec.Utf8;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Incremental newline-delimited JSON framing, as Ollama streams ({@code application/x-ndjson}): feed bytes as they
 * arrive, in any sizes, and get complete lines back. A line ends at LF; a CR before it is dropped; blank lines are
 * skipped. Lines are handed out as the UTF-8 bytes that came (invalid sequences replaced, as {@link SseDecoder} does),
 * without their line end. Pure and single-threaded; what a line means is {@link OllamaStreamDecoder}'s business.
 */
public final class NdjsonDecoder {
    /** A line longer than this is not a chat chunk but a broken or hostile stream. */
    public static final int MAX_LINE_BYTES = SseDecoder.MAX_EVENT_BYTES;

    private byte[] buf = new byte[1024];
    private int len;

    /** The lines completed by these bytes, in order. */
    public List<byte[]> feed(byte[] bytes, int offset, int length) throws MalformedResponseException {
        List<byte[]> out = new ArrayList<>(2);
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int lf = i;
            while (lf < end && bytes[lf] != '\n') {
                lf++;
            }
            append(bytes, i, lf - i);
            if (lf == end) {
                break; // the line goes on in the next read
            }
            line(out);
            i = lf + 1;
        }
        return out;
    }

    public List<byte[]> feed(byte[] bytes) throws MalformedResponseException {
        return feed(bytes, 0, bytes.length);
    }

    /** True if part of a line is still buffered: the stream ended in the middle of a line. */
    public boolean hasPartialLine() {
        return !isBlank(buf, len);
    }

    private void append(byte[] bytes, int from, int n) throws MalformedResponseException {
        if (len + n > MAX_LINE_BYTES) {
            throw new MalformedResponseException("stream line longer than " + MAX_LINE_BYTES + " bytes");
        }
        if (len + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.min(Math.max(buf.length * 2, len + n), MAX_LINE_BYTES));
        }
        System.arraycopy(bytes, from, buf, len, n);
        len += n;
    }

    private void line(List<byte[]> out) {
        int n = len > 0 && buf[len - 1] == '\r' ? len - 1 : len;
        len = 0;
        if (!isBlank(buf, n)) {
            out.add(Utf8.sanitized(Arrays.copyOf(buf, n)));
        }
    }

    private static boolean isBlank(byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            if (b[i] != ' ' && b[i] != '\t' && b[i] != '\r') {
                return false;
            }
        }
        return true;
    }
}
