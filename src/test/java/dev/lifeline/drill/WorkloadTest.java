package dev.lifeline.drill;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.LIST;

/** The drill's workload file: what it accepts, and every mistake named with its place at once. */
class WorkloadTest {
    @TempDir
    Path dir;

    @Test
    void theDefaultWorkloadHasTheFourTasksOfTheRunbook() {
        Workload w = Workload.defaults();

        assertThat(w.tasks()).extracting(Workload.Task::name).containsExactly("general", "code", "reasoning", "fast");
        assertThat(w.rounds()).hasSizeGreaterThanOrEqualTo(4);
    }

    @Test
    void aFileWithPromptsAndChecksIsRead() throws Exception {
        Path f = dir.resolve("w.yaml");
        Files.writeString(f, """
                model: support-bot
                tasks:
                  triage:
                    model: small
                    prompts:
                      - "Say hello"
                      - prompt: Classify this ticket as JSON
                        expect: { json: true, contains: [category], max_chars: 300 }
                """);
        Workload w = Workload.load(f);

        assertThat(w.model()).contains("support-bot");
        Workload.Task t = w.tasks().getFirst();
        assertThat(t.model()).contains("small");
        assertThat(t.prompts().get(0).expect()).isEqualTo(Workload.Expect.NOTHING);
        Workload.Expect e = t.prompts().get(1).expect();
        assertThat(e.json()).isTrue();
        assertThat(e.contains()).containsExactly("category");
        assertThat(e.maxChars()).hasValue(300);
    }

    @Test
    void everyProblemIsNamedWithItsPlace() throws IOException {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, """
                tasks:
                  code:
                    prompts:
                      - prompt: ""
                        expect: { max_chars: -1, json: maybe, regex: x }
                  empty: { prompts: [] }
                extra: 1
                """);

        assertThatThrownBy(() -> Workload.load(f)).isInstanceOf(Workload.WorkloadException.class)
                .hasMessage(f + " has 6 problems:")
                .extracting(e -> ((Workload.WorkloadException) e).problems(), LIST)
                .containsExactlyInAnyOrder(
                        "extra: unknown (expected one of: model, tasks)",
                        "tasks.code.prompts[0].prompt: empty (expected: the text to send)",
                        "tasks.code.prompts[0].expect.regex: unknown (expected one of: contains, json, max_chars)",
                        "tasks.code.prompts[0].expect.json: \"maybe\" (expected: true or false)",
                        "tasks.code.prompts[0].expect.max_chars: -1 (expected: a positive number)",
                        "tasks.empty.prompts: [] (expected: at least one prompt)");
    }

    @Test
    void checksJudgeWordsJsonAndLength() {
        Workload.Expect e = new Workload.Expect(java.util.List.of("Paris"), false, java.util.OptionalInt.of(20));
        assertThat(Checks.judge(e, "It is paris.")).isEmpty();
        assertThat(Checks.judge(e, "Lyon, the second city of France")).containsExactly("does not contain \"Paris\"",
                "31 characters (at most 20)");

        Workload.Expect json = new Workload.Expect(java.util.List.of(), true, java.util.OptionalInt.empty());
        assertThat(Checks.judge(json, "```json\n{\"ok\": true}\n```")).isEmpty();
        assertThat(Checks.judge(json, "Sure! {\"ok\": true}")).containsExactly("is not valid JSON");
    }
}
