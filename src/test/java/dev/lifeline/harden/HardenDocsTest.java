package dev.lifeline.harden;

import dev.lifeline.cli.Main;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The examples in docs/harden.md run: every {@code lifeline harden} line of its sh blocks, and the error example's output. */
class HardenDocsTest {
    private static final Path DOC = Path.of("docs/harden.md");

    @Test
    void everyExampleCommandRuns() throws IOException {
        List<String> commands = new ArrayList<>();
        boolean sh = false;
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("```")) {
                sh = line.equals("```sh");
            } else if (sh && line.startsWith("lifeline harden")) {
                commands.add(line.replaceFirst("\\s+#.*", ""));
            }
        }
        assertThat(commands).hasSizeGreaterThan(5);
        for (String command : commands) {
            Run r = run(command.substring("lifeline ".length()).split(" +"));
            assertThat(r.exit()).as("%s: %s", command, r.err()).isZero();
            assertThat(r.out()).as(command).isNotEmpty();
        }
    }

    @Test
    void theErrorExampleShowsWhatTheCommandSays() throws IOException {
        String doc = Files.readString(DOC);
        String block = doc.substring(doc.indexOf("```console\n$ lifeline harden ollama") + "```console\n$ ".length());
        block = block.substring(0, block.indexOf("```"));
        String command = block.lines().findFirst().orElseThrow();
        String expected = block.substring(command.length() + 1);

        Run r = run(command.substring("lifeline ".length()).replace("'", "").split(" +"));

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo(expected);
    }

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true), Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"));
        return new Run(code, out.toString(), err.toString());
    }
}
