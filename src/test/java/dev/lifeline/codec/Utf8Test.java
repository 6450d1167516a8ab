package dev.lifeline.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The UTF-8 check against the JDK's own strict decoder, over random and edge-case byte strings. */
class Utf8Test {

    @Test
    void agreesWithTheJdkDecoderOnRandomBytes() {
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            byte[] b = new byte[random.nextInt(6)];
            for (int k = 0; k < b.length; k++) {
                // mostly bytes around the interesting boundaries of UTF-8
                b[k] = (byte) (random.nextBoolean() ? 0x80 + random.nextInt(0x80) : random.nextInt(256));
            }
            assertThat(Utf8.isValid(b, 0, b.length)).as("%s", java.util.HexFormat.of().formatHex(b)).isEqualTo(jdkValid(b));
        }
    }

    @Test
    void sanitizedKeepsValidBytesAndReplacesInvalidOnesAsAStringWould() {
        byte[] ok = "Grüße 👋".getBytes(StandardCharsets.UTF_8);
        assertThat(Utf8.sanitized(ok)).isSameAs(ok);

        byte[] bad = {'a', (byte) 0xC3, 'b', (byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0xF0, (byte) 0x9F};
        assertThat(new String(Utf8.sanitized(bad), StandardCharsets.UTF_8)).isEqualTo(new String(bad, StandardCharsets.UTF_8));
        assertThat(Utf8.isValid(Utf8.sanitized(bad), 0, Utf8.sanitized(bad).length)).isTrue();
    }

    private static boolean jdkValid(byte[] b) {
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
