package dev.lifeline.doctor.listen;

import dev.lifeline.os.Shell;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The command-based implementations run for real: lsof and ps behave the same on Linux as on macOS for the options we
 * use, so the macOS path is exercised end to end here; Windows' tools are absent, which tests what a missing tool does.
 */
class CommandToolsTest {
    private static final long ME = ProcessHandle.current().pid();
    private static final String USER = System.getProperty("user.name");

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void closeEverything() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
        for (Process p : children) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void lsofFindsTheListenerItsProcessAndCommandLine() throws Exception {
        assumeLsof();
        int v4 = listen(StandardProtocolFamily.INET, "127.0.0.1");
        int v6 = listen(StandardProtocolFamily.INET6, "::1");

        ListenerScan scan = new MacListeners(Shell.local(), true).listening(Set.of(v4, v6));

        assertThat(scan.on(v4)).singleElement().satisfies(l -> {
            assertThat(l.display()).isEqualTo("127.0.0.1:" + v4);
            assertThat(l.user()).contains(USER);
            OwnerProcess p = l.process().orElseThrow();
            assertThat(p.pid()).isEqualTo(ME);
            assertThat(p.name()).isEqualTo("java");
            assertThat(p.user()).contains(USER);
            assertThat(p.commandLine()).contains("java");
        });
        assertThat(scan.on(v6)).singleElement().satisfies(l -> {
            assertThat(l.display()).isEqualTo("[::1]:" + v6);
            assertThat(l.process().orElseThrow().pid()).isEqualTo(ME);
        });
    }

    @Test
    void lsofOnAFreePortFindsNothingAndAsNonRootSaysWhatItCannotSee() throws Exception {
        assumeLsof();
        int port;
        try (ServerSocketChannel c = ServerSocketChannel.open(StandardProtocolFamily.INET)) {
            c.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            port = ((InetSocketAddress) c.getLocalAddress()).getPort();
        }

        ListenerScan asRoot = new MacListeners(Shell.local(), true).listening(port);
        ListenerScan asUser = new MacListeners(Shell.local(), false).listening(port);

        assertThat(asRoot.listeners()).isEmpty();
        assertThat(asRoot.notes()).isEmpty();
        assertThat(asUser.listeners()).isEmpty();
        assertThat(asUser.notes()).singleElement().asString().contains("port " + port).contains("sudo");
    }

    @Test
    void psFindsServersByName(@TempDir Path dir) throws Exception {
        Path sleep = Path.of("/bin/sleep");
        assumeTrue(Files.isExecutable(sleep), "needs /bin/sleep");
        Path llama = Files.createSymbolicLink(dir.resolve("llama-server"), sleep);
        long pid = start(llama.toString(), "60").pid();

        ProcessScan scan = new MacListeners(Shell.local(), true).running(Set.of("llama-server"));

        assertThat(scan.notes()).isEmpty();
        assertThat(scan.anyOf(Set.of("llama-server"))).singleElement().satisfies(p -> {
            assertThat(p.pid()).isEqualTo(pid);
            assertThat(p.name()).isEqualTo("llama-server");
            assertThat(p.commandLine()).isEqualTo(llama + " 60");
            assertThat(p.user()).contains(USER);
        });
    }

    @Test
    void withoutItsToolsAScanSaysSoInsteadOfFailing() {
        assumeTrue(!System.getProperty("os.name").startsWith("Windows"), "tasklist exists on Windows");

        ProcessScan scan = new WindowsListeners(Shell.local()).running(Set.of("ollama"));

        assertThat(scan.found()).isEmpty();
        assertThat(scan.notes()).singleElement().asString().startsWith("tasklist is not installed").endsWith("cannot tell which servers run");
    }

    private static void assumeLsof() {
        boolean present = Shell.local().run("lsof", "-v").ran();
        assumeTrue(present, "needs lsof");
    }

    private int listen(StandardProtocolFamily family, String address) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family);
        open.add(channel);
        channel.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        children.add(p);
        return p;
    }
}
