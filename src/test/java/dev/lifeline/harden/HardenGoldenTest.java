package dev.lifeline.harden;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The outputs, byte for byte, against {@code src/test/resources/harden/}. Those files were read line by line by a
 * person; a change here is a change in what users paste into a root shell, so it must show in review. After an
 * intended change, regenerate them with
 * <pre>mvn test -Dtest=HardenGoldenTest -Dlifeline.golden.update=true</pre>
 */
class HardenGoldenTest {
    @Test
    void linuxDefaults() throws IOException {
        golden("linux.txt", OllamaRecipes.recipe(Examples.defaults(Platform.LINUX)));
    }

    @Test
    void linuxDropInOnTheLanWithOriginsAndModelsUnderHome() throws IOException {
        golden("linux-exposed-dropin.txt", OllamaRecipes.linuxDropIn(Examples.exposed(Platform.LINUX)));
    }

    @Test
    void macos() throws IOException {
        golden("macos.txt", OllamaRecipes.recipe(Examples.defaults(Platform.MACOS)));
        golden("macos-exposed.txt", OllamaRecipes.recipe(Examples.exposed(Platform.MACOS)));
    }

    @Test
    void windows() throws IOException {
        golden("windows.txt", OllamaRecipes.recipe(Examples.defaults(Platform.WINDOWS)));
        golden("windows-exposed.txt", OllamaRecipes.recipe(Examples.exposed(Platform.WINDOWS)));
    }

    @Test
    void serve() throws IOException {
        golden("serve.txt", Examples.SERVE.script());
        golden("serve-user-port-443-unit.txt", Examples.SERVE_USER_PORT_443.unit());
    }

    private static void golden(String name, String actual) throws IOException {
        if (Boolean.getBoolean("lifeline.golden.update")) {
            Path file = Path.of("src/test/resources/harden", name);
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
            return;
        }
        try (InputStream in = HardenGoldenTest.class.getResourceAsStream("/harden/" + name)) {
            assertThat(in).as("golden file %s (regenerate with -Dlifeline.golden.update=true)", name).isNotNull();
            assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
