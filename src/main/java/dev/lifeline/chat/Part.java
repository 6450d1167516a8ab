package dev.lifeline.chat;

import java.util.Objects;

/** A piece of a message's content. */
public sealed interface Part {
    /** Text. */
    record Text(String text) implements Part {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** An image sent inline: base64 data and its media type ({@code image/png}...). Every vision dialect takes this. */
    record ImageData(String mediaType, String base64) implements Part {
        public ImageData {
            Objects.requireNonNull(mediaType, "mediaType");
            Objects.requireNonNull(base64, "base64");
        }
    }

    /** An image by URL, fetched by the provider. OpenAI and Anthropic take this; Ollama does not. */
    record ImageUrl(String url) implements Part {
        public ImageUrl {
            Objects.requireNonNull(url, "url");
        }
    }
}
