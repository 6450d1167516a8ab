package dev.lifeline.codec.ollama;

import dev.lifeline.chat.Part;
import dev.lifeline.codec.BadRequestException;

import java.util.Base64;
import java.util.Optional;

/**
 * Ollama's images: bare base64 strings, with no media type. Every other dialect needs the type, so it is read from
 * the image's first bytes.
 */
final class Images {
    private Images() {
    }

    /**
     * The image a client sent at {@code path}: standard base64 (as Go decodes it: padded, line breaks ignored) of a
     * PNG, JPEG, GIF or WebP file.
     */
    static Part.ImageData read(String base64, String path) throws BadRequestException {
        String data = base64.indexOf('\n') >= 0 || base64.indexOf('\r') >= 0
                ? base64.replace("\r", "").replace("\n", "")
                : base64;
        if (data.isEmpty() || !isBase64(data)) {
            throw Json.refuse(path, "not valid base64");
        }
        return mediaType(data).map(type -> new Part.ImageData(type, data))
                .orElseThrow(() -> Json.refuse(path, "not a PNG, JPEG, GIF or WebP image"));
    }

    /** The media type from the magic bytes at the start of the decoded data. */
    static Optional<String> mediaType(String base64) {
        byte[] head = Base64.getDecoder().decode(base64.substring(0, Math.min(base64.length(), 16)));
        if (startsWith(head, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of("image/png");
        }
        if (startsWith(head, 0, 0xFF, 0xD8, 0xFF)) {
            return Optional.of("image/jpeg");
        }
        if (startsWith(head, 0, 'G', 'I', 'F', '8', '7', 'a') || startsWith(head, 0, 'G', 'I', 'F', '8', '9', 'a')) {
            return Optional.of("image/gif");
        }
        if (startsWith(head, 0, 'R', 'I', 'F', 'F') && startsWith(head, 8, 'W', 'E', 'B', 'P')) {
            return Optional.of("image/webp");
        }
        return Optional.empty();
    }

    /** Strict standard base64: whole 4-character groups, the alphabet, and padding only at the very end. */
    static boolean isBase64(String s) {
        int n = s.length();
        if (n % 4 != 0) {
            return false;
        }
        int padding = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
        for (int i = 0; i < n - padding; i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] data, int at, int... magic) {
        if (data.length < at + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((data[at + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
