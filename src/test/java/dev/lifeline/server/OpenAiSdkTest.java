package dev.lifeline.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.errors.SseException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import dev.lifeline.testing.FakeUpstream;
import dev.lifeline.testing.RecordedRequest;
import dev.lifeline.testing.Reply;
import dev.lifeline.testing.TestGateway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static dev.lifeline.testing.OpenAiFixtures.chatCompletion;
import static dev.lifeline.testing.OpenAiFixtures.chunk;
import static dev.lifeline.testing.OpenAiFixtures.embeddings;
import static dev.lifeline.testing.OpenAiFixtures.errorBody;
import static dev.lifeline.testing.OpenAiFixtures.roleChunk;
import static dev.lifeline.testing.OpenAiFixtures.streamOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The official OpenAI Java SDK as the client, pointed at the gateway like an app would be: what a failover, and a
 * stream cut short, look like from inside the SDK. The SDK's own retries are off ({@code maxRetries(0)}), so only
 * the gateway retries.
 */
@Timeout(30)
class OpenAiSdkTest {
    private FakeUpstream cloud;
    private FakeUpstream local;
    private TestGateway gw;
    private OpenAIClient sdk;

    @BeforeEach
    void upstreams() {
        cloud = FakeUpstream.start();
        local = FakeUpstream.start();
    }

    @AfterEach
    void stop() {
        if (sdk != null) {
            sdk.close();
        }
        if (gw != null) {
            gw.close();
        }
        cloud.close();
        local.close();
    }

    /** Cloud first, local second; the local target does not declare continuation support. */
    private void gateway(String cloudUrl) {
        gw = TestGateway.start("""
                backends:
                  cloud: { type: openai, url: "%s", api_key: "sk-cloud-secret", cloud: true,
                           timeouts: { first_token: 500ms, response: 500ms, idle: 500ms } }
                  local: { type: openai, url: "%s", cloud: false, timeouts: { first_token: 2s, response: 2s } }
                routes:
                  - model: gpt-4o
                    targets:
                      - { backend: cloud, model: gpt-4o }
                      - { backend: local, model: "llama3.1:8b" }
                  - model: text-embedding-3-small
                    targets:
                      - { backend: cloud, model: text-embedding-3-small }
                      - { backend: local, model: nomic-embed-text }
                breaker: { minimum_calls: 100, window: 100 }
                """.formatted(cloudUrl, local.url("/v1")));
        sdk = OpenAIOkHttpClient.builder()
                .baseUrl(gw.url("/v1"))
                .apiKey("sk-client-key")
                .proxy(Proxy.NO_PROXY)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(10))
                .build();
    }

    private static ChatCompletionCreateParams chat(String content) {
        return ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage(content).build();
    }

    private static String deadCloud() {
        return "http://127.0.0.1:" + FakeUpstream.deadPort() + "/v1";
    }

    @Test
    void nonStreamingFailoverIsAnOrdinaryCompletion() {
        local.always(Reply.json(200, chatCompletion("llama3.1:8b", "local answer")));
        gateway(deadCloud());

        HttpResponseFor<ChatCompletion> raw = sdk.chat().completions().withRawResponse().create(chat("hi"));
        ChatCompletion c = raw.parse();

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(c.model()).isEqualTo("llama3.1:8b");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).message().content()).hasValue("local answer");
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(c.usage()).hasValueSatisfying(u -> assertThat(u.totalTokens()).isEqualTo(12));
        assertThat(raw.headers().values("x-lifeline-backend")).containsExactly("local");
        assertThat(raw.headers().values("x-lifeline-model")).containsExactly("llama3.1:8b");
        assertThat(raw.headers().values("x-lifeline-failover")).singleElement().asString()
                .startsWith("cloud gpt-4o:").contains("connection refused");
        RecordedRequest seen = local.takeRequest(Duration.ofSeconds(1));
        assertThat(seen.bodyJson().path("model").asText()).isEqualTo("llama3.1:8b");
        assertThat(seen.header("authorization")).as("the SDK's key never reaches an upstream").isNull();
    }

    @Test
    void streamingFailoverYieldsEveryLocalDeltaAndCompletes() {
        cloud.always(Reply.json(503, errorBody("overloaded", "server_error", null)));
        local.always(Reply.sse(streamOf("llama3.1:8b", "Hel", "lo", " from", " local")).withEventInterval(Duration.ofMillis(5)));
        gateway(cloud.url("/v1"));

        HttpResponseFor<StreamResponse<ChatCompletionChunk>> raw =
                sdk.chat().completions().withRawResponse().createStreaming(chat("hi"));
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> stream = raw.parse()) {
            chunks = stream.stream().toList();
        }

        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.headers().values("x-lifeline-backend")).containsExactly("local");
        assertThat(raw.headers().values("x-lifeline-failover")).singleElement().asString().contains("HTTP 503");
        assertThat(text(chunks)).isEqualTo("Hello from local");
        assertThat(chunks).allSatisfy(c -> assertThat(c.model()).isEqualTo("llama3.1:8b"));
        assertThat(chunks.getLast().choices()).singleElement()
                .satisfies(ch -> assertThat(ch.finishReason()).hasValue(ChatCompletionChunk.Choice.FinishReason.STOP));
        assertThat(cloud.requestCount()).as("one retry on the cloud, then local").isEqualTo(2);
        assertThat(local.requestCount()).isEqualTo(1);
    }

    @Test
    void streamCutAfterCommitWithoutContinuationTargetIsAnErrorNotATruncatedSuccess() {
        cloud.always(Reply.sse(roleChunk("gpt-4o"), chunk("gpt-4o", "The answer"), chunk("gpt-4o", " is"))
                .withEventInterval(Duration.ofMillis(20))
                .then(Reply.Fault.RESET));
        local.always(Reply.sse(streamOf("llama3.1:8b", "must not be used")));
        gateway(cloud.url("/v1"));

        List<String> deltas = new ArrayList<>();
        Throwable thrown;
        try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(chat("hi"))) {
            Iterator<ChatCompletionChunk> it = stream.stream().iterator();
            thrown = catchThrowable(() -> {
                while (it.hasNext()) {
                    it.next().choices().forEach(c -> c.delta().content().ifPresent(deltas::add));
                }
            });
        }

        assertThat(String.join("", deltas)).as("what reached the app before the cut").isEqualTo("The answer is");
        assertThat(thrown).as("the SDK must not end the stream as if the answer were complete")
                .isInstanceOf(OpenAIException.class);
        assertThat(thrown).isInstanceOf(SseException.class);
        assertThat(((SseException) thrown).code()).hasValue("lifeline_stream_interrupted");
        assertThat(thrown.getMessage()).contains("interrupted");
        assertThat(local.requestCount()).as("no continuation target: local is not asked").isZero();
    }

    /** Uses the SDK's default encoding (base64); the fake local answers with floats, as some local servers do. */
    @Test
    void embeddingsFailOverToo() {
        local.always(Reply.json(200, embeddings("nomic-embed-text", 2)));
        gateway(deadCloud());

        HttpResponseFor<CreateEmbeddingResponse> raw = sdk.embeddings().withRawResponse().create(
                EmbeddingCreateParams.builder()
                        .model("text-embedding-3-small")
                        .inputOfArrayOfStrings(List.of("first", "second"))
                        .build());
        CreateEmbeddingResponse r = raw.parse();

        assertThat(raw.headers().values("x-lifeline-backend")).containsExactly("local");
        assertThat(raw.headers().values("x-lifeline-failover")).singleElement().asString().contains("connection refused");
        assertThat(r.model()).isEqualTo("nomic-embed-text");
        assertThat(r.data()).hasSize(2);
        assertThat(r.data().get(0).embedding()).hasSize(8);
        assertThat(r.data().get(1).index()).isEqualTo(1);
        RecordedRequest seen = local.takeRequest(Duration.ofSeconds(1));
        assertThat(seen.path()).isEqualTo("/v1/embeddings");
        assertThat(seen.bodyJson().path("model").asText()).isEqualTo("nomic-embed-text");
        assertThat(seen.bodyJson().path("input")).hasSize(2);
        assertThat(seen.bodyJson().path("encoding_format").asText())
                .as("the SDK asks for base64 by default; the gateway passes the choice on unchanged").isEqualTo("base64");
    }

    private static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        for (ChatCompletionChunk c : chunks) {
            c.choices().forEach(ch -> ch.delta().content().ifPresent(sb::append));
        }
        return sb.toString();
    }
}
