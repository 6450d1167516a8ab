package dev.lifeline.routing;

import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigLoader;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Which route a model name a client sends ends up on. */
class RouterTest {

    private static Router router(String... routes) throws Exception {
        StringBuilder yaml = new StringBuilder("""
                backends:
                  cloud: { url: "https://api.openai.com/v1" }
                  local: { url: "http://127.0.0.1:11434/v1" }
                routes:
                """);
        for (String r : routes) {
            yaml.append("  - { model: \"").append(r).append("\", targets: [{ backend: local }] }\n");
        }
        return new Router(ConfigLoader.parse(yaml.toString(), "test", Map.of()));
    }

    private static Optional<String> routeOf(Router r, String model) {
        return r.route(model).map(Route::name);
    }

    @Test
    void exactNameBeatsAGlobListedEarlier() throws Exception {
        Router r = router("gpt-*", "*", "gpt-4o");

        assertThat(routeOf(r, "gpt-4o")).hasValue("gpt-4o");
        assertThat(routeOf(r, "gpt-4o-mini")).hasValue("gpt-*");
    }

    @Test
    void globsAreTriedInConfigurationOrder() throws Exception {
        Router r = router("gpt-4*", "gpt-*", "*");

        assertThat(routeOf(r, "gpt-4o")).hasValue("gpt-4*");
        assertThat(routeOf(r, "gpt-3.5-turbo")).hasValue("gpt-*");
        assertThat(routeOf(r, "claude-3-5-sonnet")).hasValue("*");

        Router catchAllFirst = router("*", "gpt-*");
        assertThat(routeOf(catchAllFirst, "gpt-4o")).as("a catch-all listed first takes everything").hasValue("*");
    }

    @Test
    void questionMarkIsExactlyOneCharacter() throws Exception {
        Router r = router("o?-mini");

        assertThat(routeOf(r, "o1-mini")).hasValue("o?-mini");
        assertThat(routeOf(r, "o3-mini")).hasValue("o?-mini");
        assertThat(routeOf(r, "o-mini")).isEmpty();
        assertThat(routeOf(r, "o10-mini")).isEmpty();
    }

    @Test
    void starMatchesAnythingIncludingNothing() throws Exception {
        Router r = router("text-embedding-*", "*-instruct");

        assertThat(routeOf(r, "text-embedding-")).hasValue("text-embedding-*");
        assertThat(routeOf(r, "text-embedding-3-large")).hasValue("text-embedding-*");
        assertThat(routeOf(r, "gpt-3.5-turbo-instruct")).hasValue("*-instruct");
        assertThat(routeOf(r, "gpt-3.5-turbo-instruct-0914")).as("the whole name must match").isEmpty();
    }

    @Test
    void otherCharactersAreLiteral() throws Exception {
        Router r = router("llama3.1:*", "(x)+[y]");

        assertThat(routeOf(r, "llama3.1:8b")).hasValue("llama3.1:*");
        assertThat(routeOf(r, "llama301:8b")).as("a dot is not a regex wildcard").isEmpty();
        assertThat(routeOf(r, "(x)+[y]")).hasValue("(x)+[y]");
        assertThat(routeOf(r, "xx[y]")).isEmpty();
    }

    @Test
    void matchingIsCaseSensitiveAndNoRouteIsEmpty() throws Exception {
        Router r = router("gpt-4o");

        assertThat(routeOf(r, "GPT-4o")).isEmpty();
        assertThat(routeOf(r, "")).isEmpty();
    }

    @Test
    void modelListShowsNamesNotGlobs() throws Exception {
        Router r = router("gpt-*", "gpt-4o", "*", "llama3.1:8b", "gpt-4o");

        assertThat(r.modelNames()).containsExactly("gpt-4o", "llama3.1:8b");
    }

    @Test
    void targetsWithoutAModelKeepTheClientsModel() throws Exception {
        Config c = ConfigLoader.parse("""
                backends:
                  cloud: { url: "https://api.openai.com/v1" }
                  local: { url: "http://127.0.0.1:11434/v1" }
                routes:
                  - model: "gpt-*"
                    targets: [{ backend: cloud }, { backend: local, model: "llama3.1:8b" }]
                """, "test", Map.of());

        List<Target> targets = new Router(c).route("gpt-4o-mini").orElseThrow().targetsFor("gpt-4o-mini");

        assertThat(targets).extracting(Target::label).containsExactly("cloud gpt-4o-mini", "local llama3.1:8b");
        assertThat(targets).extracting(Target::cloud).containsExactly(true, false);
    }

    @Test
    void ownRouteBeatsTheLibraryTaskOfTheSameName() throws Exception {
        Config c = ConfigLoader.parse("""
                backends:
                  cloud: { url: "https://api.openai.com/v1" }
                  local: { url: "http://127.0.0.1:11434/v1" }
                library: { backend: local, models: { code: "qwen2.5-coder:7b", fast: "mistral:7b" } }
                routes:
                  - { model: code, targets: [{ backend: cloud, model: gpt-4o }] }
                """, "test", Map.of());
        Router r = new Router(c);

        assertThat(r.route("code").orElseThrow().targetsFor("code")).extracting(Target::label).containsExactly("cloud gpt-4o");
        assertThat(r.route("fast").orElseThrow().targetsFor("fast")).extracting(Target::label).containsExactly("local mistral:7b");
    }
}
