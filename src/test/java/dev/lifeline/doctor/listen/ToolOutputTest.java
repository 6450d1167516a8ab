package dev.lifeline.doctor.listen;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/** The macOS and Windows tools' output, as they print it, read into sockets and processes. */
class ToolOutputTest {
    /** {@code sudo lsof -nP +c 0 -iTCP:11434,1234,8080 -sTCP:LISTEN -FpcuLtn} on a Mac with Ollama, LM Studio and a forking server. */
    private static final String LSOF = """
            p812
            cOllama
            u501
            Lalice
            f3
            tIPv4
            n127.0.0.1:11434
            p1377
            cLM Studio
            u501
            Lalice
            f41
            tIPv6
            n*:1234
            f42
            tIPv4
            n*:1234
            p2001
            cllama-server
            u0
            Lroot
            f7
            tIPv6
            n[::1]:8080
            p2002
            cllama-server
            u0
            Lroot
            f7
            tIPv6
            n[::1]:8080
            """;

    @Test
    void lsofFieldsBecomeSocketsWithTheirProcess() throws Exception {
        MacListeners.Lsof parsed = MacListeners.parseLsof(LSOF);
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.sockets()).containsExactly(
                new MacListeners.LsofSocket(812, "Ollama", OptionalInt.of(501), Optional.of("alice"), ip("127.0.0.1"), 11434),
                new MacListeners.LsofSocket(1377, "LM Studio", OptionalInt.of(501), Optional.of("alice"), ip("::"), 1234),
                new MacListeners.LsofSocket(1377, "LM Studio", OptionalInt.of(501), Optional.of("alice"), ip("0.0.0.0"), 1234),
                new MacListeners.LsofSocket(2001, "llama-server", OptionalInt.of(0), Optional.of("root"), ip("::1"), 8080),
                new MacListeners.LsofSocket(2002, "llama-server", OptionalInt.of(0), Optional.of("root"), ip("::1"), 8080));
    }

    @Test
    void lsofWithoutOptionalFieldsOrWithGarbageStillReadsWhatItCan() throws Exception {
        // an lsof that did not give uid and login, and a name we cannot read: the rest still counts, the bad line is told
        MacListeners.Lsof parsed = MacListeners.parseLsof("p99\ncnode\nf20\ntIPv4\nnlocalhost:3000\nf21\ntIPv4\nn0.0.0.0:3000\n");
        assertThat(parsed.sockets()).containsExactly(
                new MacListeners.LsofSocket(99, "node", OptionalInt.empty(), Optional.empty(), ip("0.0.0.0"), 3000));
        assertThat(parsed.problems()).containsExactly("nlocalhost:3000");
        assertThat(MacListeners.parseLsof("").sockets()).isEmpty();
    }

    @Test
    void psColumnsKeepSpacesInTheCommand() {
        String ps = """
                    1 root             /sbin/launchd
                  812 alice            /Applications/Ollama.app/Contents/Resources/ollama
                 1377 alice            /Applications/LM Studio.app/Contents/MacOS/LM Studio
                """;
        assertThat(MacListeners.parsePs(ps)).containsExactly(
                new MacListeners.PsRow(1, "root", "/sbin/launchd"),
                new MacListeners.PsRow(812, "alice", "/Applications/Ollama.app/Contents/Resources/ollama"),
                new MacListeners.PsRow(1377, "alice", "/Applications/LM Studio.app/Contents/MacOS/LM Studio"));
        assertThat(MacListeners.parsePidAndRest("  812 /Applications/Ollama.app/Contents/Resources/ollama serve\n 9 \n"))
                .isEqualTo(Map.of(812L, "/Applications/Ollama.app/Contents/Resources/ollama serve", 9L, ""));
    }

    /** {@code netstat -ano} on Windows 11 with Ollama (dual-stack Go socket, listed once per family) and a connection. */
    private static final String NETSTAT = """

            Active Connections

              Proto  Local Address          Foreign Address        State           PID
              TCP    0.0.0.0:135            0.0.0.0:0              LISTENING       1104
              TCP    0.0.0.0:11434          0.0.0.0:0              LISTENING       7720
              TCP    127.0.0.1:1234         0.0.0.0:0              LISTENING       9012
              TCP    127.0.0.1:11434        127.0.0.1:50321        ESTABLISHED     7720
              TCP    192.168.1.20:50400     140.82.112.21:443      ESTABLISHED     5512
              TCP    [::]:135               [::]:0                 LISTENING       1104
              TCP    [::]:11434             [::]:0                 LISTENING       7720
              TCP    [::1]:8080             [::]:0                 ABHÖREN         4242
              TCP    [fe80::1c2b:3a4d:5e6f:7081%12]:5357  [::]:0   LISTENING       4
              UDP    0.0.0.0:5353           *:*                                    2244
              UDP    [::]:5353              *:*                                    2244
            """;

    @Test
    void netstatListeningLinesEvenInAnotherLanguage() throws Exception {
        WindowsListeners.Netstat parsed = WindowsListeners.parseNetstat(NETSTAT);
        assertThat(parsed.problems()).isEmpty();
        assertThat(parsed.sockets()).containsExactly(
                new WindowsListeners.NetstatSocket(ip("0.0.0.0"), 135, 1104),
                new WindowsListeners.NetstatSocket(ip("0.0.0.0"), 11434, 7720),
                new WindowsListeners.NetstatSocket(ip("127.0.0.1"), 1234, 9012),
                new WindowsListeners.NetstatSocket(ip("::"), 135, 1104),
                new WindowsListeners.NetstatSocket(ip("::"), 11434, 7720),
                new WindowsListeners.NetstatSocket(ip("::1"), 8080, 4242),
                new WindowsListeners.NetstatSocket(ip("fe80::1c2b:3a4d:5e6f:7081"), 5357, 4));
    }

    @Test
    void tasklistCsvGivesImageNamesByPid() {
        String tasklist = """
                "System Idle Process","0","Services","0","8 K"
                "System","4","Services","0","2,148 K"
                "ollama app.exe","7700","Console","1","21,504 K"
                "ollama.exe","7720","Console","1","1,045,312 K"
                "LM Studio.exe","9012","Console","1","301,220 K"
                """;
        assertThat(WindowsListeners.parseTasklist(tasklist)).isEqualTo(Map.of(
                0L, "System Idle Process", 4L, "System", 7700L, "ollama app.exe", 7720L, "ollama.exe", 9012L, "LM Studio.exe"));
        assertThat(WindowsListeners.parseTasklist("INFO: No tasks are running which match the specified criteria.\n")).isEmpty();
    }

    @Test
    void processNamesAsTheOsShowsThemMatchTheNamesPeopleKnow() {
        var wanted = ProcessNames.normalise(java.util.Set.of("ollama", "vllm", "llama-server", "text-generation-launcher", "lm studio"));
        assertThat(ProcessNames.matches(wanted, "ollama", "/usr/local/bin/ollama serve")).containsExactly("ollama");
        assertThat(ProcessNames.matches(wanted, "ollama.exe", "")).containsExactly("ollama");
        assertThat(ProcessNames.matches(wanted, "ollama app.exe", "")).as("the tray app is not the server").isEmpty();
        assertThat(ProcessNames.matches(wanted, "pt_main_thread", "/opt/venv/bin/python3 /opt/venv/bin/vllm serve Qwen/Qwen3-8B"))
                .containsExactly("vllm");
        assertThat(ProcessNames.matches(wanted, "python3", "python3 -u -m vllm.entrypoints.openai.api_server --model m"))
                .containsExactly("vllm");
        assertThat(ProcessNames.matches(wanted, "text-generation", "text-generation-launcher --model-id m"))
                .containsExactly("text-generation-launcher");
        assertThat(ProcessNames.matches(wanted, "text-generation", "")).as("15 characters of a longer name")
                .containsExactly("text-generation-launcher");
        assertThat(ProcessNames.matches(wanted, "LM Studio", "")).containsExactly("lm studio");
        assertThat(ProcessNames.matches(wanted, "llama-server", "./build/bin/llama-server -m model.gguf")).containsExactly("llama-server");
        // words in arguments of other programs are not their name
        assertThat(ProcessNames.matches(wanted, "java", "java -jar lifeline.jar doctor --backend vllm")).isEmpty();
        assertThat(ProcessNames.matches(wanted, "bash", "bash -c ollama serve")).isEmpty();
        assertThat(ProcessNames.matches(wanted, "python3", "python3 app.py vllm")).isEmpty();
    }

    private static InetAddress ip(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }
}
