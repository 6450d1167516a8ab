package dev.lifeline.harden;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The options of {@code lifeline harden ollama}: what they default to and what they refuse, with every reason at once. */
class OllamaHardeningTest {
    @Test
    void defaultsAreLoopbackTheInstallersUserAndAllCoresButOne() {
        OllamaHardening h = Examples.defaults(Platform.LINUX);

        assertThat(h.listen()).hasToString("127.0.0.1:11434");
        assertThat(h.listen().loopback()).isTrue();
        assertThat(h.user()).isEqualTo("ollama");
        assertThat(h.linuxModels()).isEqualTo(Path.of("/usr/share/ollama/.ollama/models"));
        assertThat(h.writable()).containsExactly(Path.of("/usr/share/ollama/.ollama"));
        assertThat(h.protectHome()).isEqualTo("yes");
        assertThat(h.memoryMax()).isEqualTo("80%");
        assertThat(h.cpuQuota()).isEqualTo("300%");
        assertThat(OllamaHardening.defaultCpuQuota(1)).isEqualTo("100%");
        assertThat(OllamaHardening.defaultCpuQuota(2)).isEqualTo("100%");
        assertThat(OllamaHardening.defaultCpuQuota(16)).isEqualTo("1500%");
    }

    @Test
    void modelsUnderHomeMakeProtectHomeReadOnlyAndAreWritableBesideDotOllama() {
        OllamaHardening h = Examples.exposed(Platform.LINUX);

        assertThat(h.writable()).containsExactly(Path.of("/usr/share/ollama/.ollama"), Path.of("/home/models/ollama"));
        assertThat(h.protectHome()).isEqualTo("read-only");
        assertThat(OllamaRecipes.linuxDropIn(h)).contains("ProtectHome=read-only\n")
                .contains("# read-only, not yes: /home/models/ollama is under /home, /root or /run/user,");
    }

    @Test
    void listenAcceptsIpv4AndIpv6InBrackets() {
        assertThat(listen("127.0.0.1:11434").loopback()).isTrue();
        assertThat(listen("[::1]:11434").loopback()).isTrue();
        assertThat(listen("[::1]:11434")).hasToString("[::1]:11434");
        assertThat(listen("0.0.0.0:11434").loopback()).isFalse();
        assertThat(listen("0.0.0.0:11434").localUrl()).isEqualTo("http://127.0.0.1:11434");
        assertThat(listen("[::]:11434").localUrl()).isEqualTo("http://[::1]:11434");
        assertThat(listen("[fd00::5]:11434").localUrl()).isEqualTo("http://[fd00::5]:11434");
        assertThat(listen("192.168.1.5:11434").loopback()).isFalse();
    }

    /** As docs/harden.md says: what a name resolves to can change, localhost included. */
    @Test
    void hostNamesAreRefusedLocalhostToo() {
        List<String> problems = new java.util.ArrayList<>();

        assertThat(Listen.parse("localhost:11434", problems)).isEmpty();
        assertThat(Listen.parse("ollama.lan:11434", problems)).isEmpty();

        assertThat(problems).containsExactly(
                "--listen localhost:11434: host names are refused, since what they resolve to can change (expected: an IP address,"
                        + " such as 127.0.0.1:11434)",
                "--listen ollama.lan:11434: host names are refused, since what they resolve to can change (expected: an IP address,"
                        + " such as 10.0.0.5:11434, or [::1]:11434 with IPv6 in brackets)");
    }

    @Test
    void aBareMemoryNumberIsBytesToSystemdAndRefused() {
        InvalidOptions e = catchThrowableOfType(InvalidOptions.class, () -> OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.of("24"), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4));

        assertThat(e).isNotNull();
        assertThat(e.problems()).containsExactly("--memory-max 24: a bare number is bytes to systemd, too little for Ollama to start;"
                + " add a unit, such as 24G, or give a percentage, such as 80%");
    }

    @Test
    void memoryUnitsAreSystemdsUpperCaseOnes() {
        InvalidOptions e = catchThrowableOfType(InvalidOptions.class, () -> OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of(),
                Optional.empty(), Optional.empty(), Optional.of("24g"), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4));

        assertThat(e).isNotNull();
        assertThat(e.problems()).containsExactly("--memory-max 24g: systemd's units are upper case, 24G (expected: a share of the"
                + " machine's memory such as 80%, or a size with K, M, G or T, upper case, such as 16G, 512M)");
    }

    @Test
    void oneOriginPerOptionAndTheSameOneTwiceIsFolded() throws InvalidOptions {
        InvalidOptions e = catchThrowableOfType(InvalidOptions.class, () -> OllamaHardening.of(Platform.LINUX, Optional.empty(),
                List.of("https://a.com,https://b.com"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                OllamaHardening.DEFAULT_HOME, 4));
        assertThat(e).isNotNull();
        assertThat(e.problems()).containsExactly("--origin https://a.com,https://b.com: one origin per --origin: repeat the option,"
                + " such as --origin https://app.example.com --origin https://admin.example.com");

        OllamaHardening h = OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of("https://a.com", "https://b.com", "https://a.com"),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4);
        assertThat(h.origins()).containsExactly("https://a.com", "https://b.com");
        assertThat(OllamaRecipes.linuxDropIn(h)).contains("\nEnvironment=OLLAMA_ORIGINS=https://a.com,https://b.com\n");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        InvalidOptions e = catchThrowableOfType(InvalidOptions.class, () -> OllamaHardening.of(Platform.LINUX,
                Optional.of("ollama.lan:11434"), List.of("*", "https://app.example.com/", "chrome-extension://*", "ftp//x"),
                Optional.of("root"), Optional.of("models"), Optional.of("lots"), Optional.of("0%"), OllamaHardening.DEFAULT_HOME, 4));

        assertThat(e.problems()).containsExactly(
                "--listen ollama.lan:11434: host names are refused, since what they resolve to can change (expected: an IP address,"
                        + " such as 10.0.0.5:11434, or [::1]:11434 with IPv6 in brackets)",
                "--origin *: lets every web page you visit call Ollama (read your models and prompts, run them, delete them);"
                        + " name your apps instead, such as --origin https://app.example.com",
                "--origin https://app.example.com/: an origin has no path (expected: https://app.example.com)",
                "--origin chrome-extension://*: a wildcard lets every site or extension it matches call Ollama; name each one"
                        + " (such as chrome-extension://abcdefghijklmnopabcdefghijklmnop)",
                "--origin ftp//x: not an origin (expected: scheme://host[:port], such as https://app.example.com or chrome-extension://ID)",
                "--user root: the point is a user of its own (a flaw in Ollama then owns one account, not the machine)",
                "--models models: expected an absolute path, such as /srv/ollama/models",
                "--memory-max lots: not a size or a percentage (expected: a share of the machine's memory such as 80%, or a size"
                        + " with K, M, G or T, upper case, such as 16G, 512M)",
                "--cpu-quota 0%: expected a percentage of one core, such as 300% for three cores");
    }

    @Test
    void badAddressesAndLimitsAreRefused() {
        for (String bad : List.of("127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "::1:11434", "[127.0.0.1]:11434", "256.0.0.1:11434",
                "http://127.0.0.1:11434", "[::g]:11434", "localhost:11434")) {
            assertThatThrownBy(() -> OllamaHardening.of(Platform.LINUX, Optional.of(bad), List.of(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4)).as(bad).isInstanceOf(InvalidOptions.class)
                    .hasMessageStartingWith("--listen " + bad + ": ");
        }
        for (String bad : List.of("infinity", "101%", "0", "0G", "12Q", "-1G", "24", "17179869184", "24k", "24P", "1.5G")) {
            assertThatThrownBy(() -> OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                    Optional.of(bad), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4)).as(bad).isInstanceOf(InvalidOptions.class)
                    .hasMessageStartingWith("--memory-max " + bad + ": ");
        }
        for (String good : List.of("80%", "24G", "512M", "1T", "16777216K")) {
            try {
                assertThat(OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                        Optional.of(good), Optional.empty(), OllamaHardening.DEFAULT_HOME, 4).memoryMax()).isEqualTo(good);
            } catch (InvalidOptions e) {
                throw new AssertionError(e.problems());
            }
        }
    }

    @Test
    void linuxOnlyOptionsAreRefusedElsewhere() {
        InvalidOptions e = catchThrowableOfType(InvalidOptions.class, () -> OllamaHardening.of(Platform.MACOS, Optional.empty(), List.of(),
                Optional.of("ollama"), Optional.of("C:\\models"), Optional.of("80%"), Optional.of("200%"), OllamaHardening.DEFAULT_HOME, 4));

        assertThat(e.problems()).containsExactly(
                "--user: for Linux only (systemd runs the service there; on macos Ollama is an app that runs as you, without limits)",
                "--memory-max: for Linux only (systemd runs the service there; on macos Ollama is an app that runs as you, without limits)",
                "--cpu-quota: for Linux only (systemd runs the service there; on macos Ollama is an app that runs as you, without limits)",
                "--models C:\\models: expected an absolute path, such as /srv/ollama/models");
    }

    @Test
    void noOriginsMeansNoOriginsLineButAComment() {
        String dropIn = OllamaRecipes.linuxDropIn(Examples.defaults(Platform.LINUX));

        assertThat(dropIn).doesNotContain("Environment=OLLAMA_ORIGINS").contains("# No OLLAMA_ORIGINS: Ollama's built-in list");
        assertThat(OllamaRecipes.linuxDropIn(Examples.exposed(Platform.LINUX)))
                .contains("\nEnvironment=OLLAMA_ORIGINS=https://app.example.com,chrome-extension://abcdefghijklmnopabcdefghijklmnop\n");
    }

    private static Listen listen(String text) {
        List<String> problems = new java.util.ArrayList<>();
        Optional<Listen> l = Listen.parse(text, problems);
        assertThat(problems).isEmpty();
        return l.orElseThrow();
    }
}
