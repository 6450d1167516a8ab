package dev.lifeline.codec.ollama;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;

/**
 * When an answer was made and how long it took, for the fields every Ollama answer ends with. Ollama's clients show
 * these (tokens per second is {@code eval_count / eval_duration}); when the answer came from a backend of another
 * dialect the gateway measures them itself. A zero duration is left out of the answer, as Ollama leaves it out.
 *
 * @param createdAt       the answer's {@code created_at}
 * @param totalNanos      {@code total_duration}: the whole request
 * @param loadNanos       {@code load_duration}: loading the model
 * @param promptEvalNanos {@code prompt_eval_duration}: reading the prompt (for a translated answer: until the first
 *                        token)
 * @param evalNanos       {@code eval_duration}: generating the answer
 */
public record Timing(Instant createdAt, long totalNanos, long loadNanos, long promptEvalNanos, long evalNanos) {
    private static final DateTimeFormatter SECONDS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    public Timing {
        Objects.requireNonNull(createdAt, "createdAt");
        if (totalNanos < 0 || loadNanos < 0 || promptEvalNanos < 0 || evalNanos < 0) {
            throw new IllegalArgumentException("durations cannot be negative");
        }
    }

    /** An answer made at {@code createdAt} with no durations measured. */
    public static Timing at(Instant createdAt) {
        return new Timing(createdAt, 0, 0, 0, 0);
    }

    /**
     * {@code t} the way Go writes a {@code time.Time} (RFC 3339 with nanoseconds, trailing zeros of the fraction cut,
     * no fraction at all on a whole second), in UTC as Ollama does: {@code 2024-07-22T20:33:28.123648Z}.
     */
    public static String rfc3339(Instant t) {
        StringBuilder b = new StringBuilder(30).append(SECONDS.format(t));
        int nanos = t.getNano();
        if (nanos != 0) {
            char[] digits = new char[9];
            for (int i = 8; i >= 0; i--, nanos /= 10) {
                digits[i] = (char) ('0' + nanos % 10);
            }
            int end = 9;
            while (digits[end - 1] == '0') {
                end--;
            }
            b.append('.').append(digits, 0, end);
        }
        return b.append('Z').toString();
    }
}
