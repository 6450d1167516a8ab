package dev.lifeline.doctor.listen;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The Linux scan against the real {@code /proc}, with real sockets of this JVM and of child processes. */
class LinuxListenersTest {
    private static final long ME = ProcessHandle.current().pid();
    private static final String USER = System.getProperty("user.name");

    private final LinuxListeners listeners = new LinuxListeners();
    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void onLinux() {
        assumeTrue(System.getProperty("os.name").startsWith("Linux"), "reads /proc");
    }

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
    void ipv4LoopbackListenerOfThisJvm() throws Exception {
        int port = listen(StandardProtocolFamily.INET, "127.0.0.1");

        ListenerScan scan = listeners.listening(port);

        assertThat(scan.notes()).isEmpty();
        Listener l = single(scan, port);
        assertThat(l.address()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(l.loopbackOnly()).isTrue();
        assertThat(l.allInterfaces()).isFalse();
        assertThat(l.display()).isEqualTo("127.0.0.1:" + port);
        assertOwnedByThisJvm(l);
    }

    @Test
    void ipv4WildcardListener() throws Exception {
        int port = listen(StandardProtocolFamily.INET, "0.0.0.0");

        Listener l = single(listeners.listening(port), port);

        assertThat(l.allInterfaces()).isTrue();
        assertThat(l.ipv6()).isFalse();
        assertThat(l.display()).isEqualTo("0.0.0.0:" + port);
        assertThat(l.accepts(InetAddress.getByName("127.0.0.1"))).isTrue();
        assertOwnedByThisJvm(l);
    }

    @Test
    void ipv6LoopbackListenerRefusesIpv4Clients() throws Exception {
        assumeIpv6();
        int port = listen(StandardProtocolFamily.INET6, "::1");

        Listener l = single(listeners.listening(port), port);

        assertThat(l.address()).isEqualTo(InetAddress.getByName("::1"));
        assertThat(l.loopbackOnly()).isTrue();
        assertThat(l.display()).isEqualTo("[::1]:" + port);
        assertThat(l.accepts(InetAddress.getByName("127.0.0.1"))).isFalse();
        assertOwnedByThisJvm(l);
    }

    @Test
    void ipv6WildcardListenerIsDualStackAsTheKernelDefaultSays() throws Exception {
        assumeIpv6();
        int port = listen(StandardProtocolFamily.INET6, "::");
        boolean v6only = Files.readString(Path.of("/proc/sys/net/ipv6/bindv6only")).strip().equals("1");

        ListenerScan scan = listeners.listening(port);

        assertThat(scan.notes()).isEmpty();
        Listener l = single(scan, port);
        assertThat(l.address()).isEqualTo(InetAddress.getByName("::"));
        assertThat(l.allInterfaces()).isTrue();
        assertThat(l.dualStack()).isEqualTo(!v6only);
        assertThat(l.display()).isEqualTo(v6only ? "[::]:" + port : "*:" + port);
        assertThat(l.accepts(InetAddress.getByName("::1"))).isTrue();
        assertOwnedByThisJvm(l);
    }

    @Test
    void javaSocketOnIpv4AddressIsShownAsIpv4ThoughTheKernelListsItAsIpv6() throws Exception {
        assumeIpv6();
        // a plain ServerSocket is an IPv6 socket bound to ::ffff:127.0.0.1 when the JVM has IPv6
        ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        open.add(s);

        Listener l = single(listeners.listening(s.getLocalPort()), s.getLocalPort());

        assertThat(l.address()).isEqualTo(InetAddress.getByName("127.0.0.1"));
        assertThat(l.display()).isEqualTo("127.0.0.1:" + s.getLocalPort());
        assertThat(l.accepts(InetAddress.getByName("::1"))).isFalse();
        assertOwnedByThisJvm(l);
    }

    @Test
    void aFreePortHasNoListenersAndNothingToExplain() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }

        ListenerScan scan = listeners.listening(port);

        assertThat(scan.listeners()).isEmpty();
        assertThat(scan.on(port)).isEmpty();
        assertThat(scan.notes()).isEmpty();
    }

    @Test
    void connectedSocketsAreNotListeners() throws Exception {
        int port = listen(StandardProtocolFamily.INET, "127.0.0.1");
        Socket client = new Socket("127.0.0.1", port);
        open.add(client);
        ServerSocketChannel server = (ServerSocketChannel) open.getFirst();
        open.add(server.accept());

        // the client's own port has a connection, no listener; the server's port has its accepted connection too
        assertThat(listeners.listening(client.getLocalPort()).listeners()).isEmpty();
        assertThat(listeners.listening(port).listeners()).hasSize(1);
    }

    @Test
    void listenerOfAnotherProcessNamesThatProcess() throws Exception {
        Process python = start("python3", "-c", """
                import os, socket, sys
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                s.listen()
                print(os.getpid(), s.getsockname()[1], flush=True)
                sys.stdin.read()
                """);
        String[] pidAndPort = firstLine(python).split(" ");
        long pid = Long.parseLong(pidAndPort[0]);
        int port = Integer.parseInt(pidAndPort[1]);

        Listener l = single(listeners.listening(port), port);

        assertThat(l.process()).isPresent();
        OwnerProcess p = l.process().orElseThrow();
        assertThat(p.pid()).isEqualTo(pid).isNotEqualTo(ME);
        assertThat(p.name()).startsWith("python");
        assertThat(p.commandLine()).contains("-c", "socket.socket()");
        assertThat(p.user()).contains(USER);
    }

    @Test
    void oneScanCoversSeveralPortsQuickly() throws Exception {
        int a = listen(StandardProtocolFamily.INET, "127.0.0.1");
        int b = listen(StandardProtocolFamily.INET, "0.0.0.0");
        Set<Integer> ports = Set.of(a, b, 11434, 1234, 8000, 8080, 3000, 1337);
        listeners.listening(ports);

        long start = System.nanoTime();
        ListenerScan scan = listeners.listening(ports);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(scan.on(a)).singleElement().satisfies(l -> assertThat(l.loopbackOnly()).isTrue());
        assertThat(scan.on(b)).singleElement().satisfies(l -> assertThat(l.allInterfaces()).isTrue());
        assertThat(scan.on(a).getFirst().process()).isPresent();
        assertThat(scan.on(b).getFirst().process()).isPresent();
        assertThat(millis).as("a doctor run scans all its ports in one go").isLessThan(500);
    }

    @Test
    void portsOutsideTheTcpRangeAreAMistakeOfTheCaller() {
        assertThatThrownBy(() -> listeners.listening(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> listeners.listening(65536)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void findsServersByTheNamesPeopleKnowThemBy(@TempDir Path dir) throws Exception {
        Path sleep = Path.of(firstLine(start("sh", "-c", "command -v sleep")));
        // the kernel names a process after the file it ran: a link called llama-server makes one
        Path llama = Files.createSymbolicLink(dir.resolve("llama-server"), sleep);
        Path tgi = Files.createSymbolicLink(dir.resolve("text-generation-launcher"), sleep);
        Path vllmScript = Files.writeString(dir.resolve("vllm"), """
                import os, sys
                print(os.getpid(), flush=True)
                sys.stdin.read()
                """);
        long llamaPid = start(llama.toString(), "60").pid();
        long tgiPid = start(tgi.toString(), "60").pid();
        long vllmPid = Long.parseLong(firstLine(start("python3", vllmScript.toString(), "serve", "Qwen/Qwen3-8B")));
        long decoyPid = start("sh", "-c", "sleep 60; : vllm llama-server").pid();

        ProcessScan scan = listeners.running(Set.of("llama-server", "text-generation-launcher", "vllm", "Ollama"));

        assertThat(scan.anyOf(Set.of("llama-server"))).extracting(OwnerProcess::pid).containsExactly(llamaPid);
        assertThat(scan.anyOf(Set.of("llama-server")).getFirst().name()).isEqualTo("llama-server");
        assertThat(scan.anyOf(Set.of("llama-server")).getFirst().user()).contains(USER);
        assertThat(scan.anyOf(Set.of("text-generation-launcher"))).extracting(OwnerProcess::pid).containsExactly(tgiPid);
        assertThat(scan.anyOf(Set.of("VLLM"))).extracting(OwnerProcess::pid).containsExactly(vllmPid);
        assertThat(scan.anyOf(Set.of("vllm")).getFirst().commandLine()).contains("serve Qwen/Qwen3-8B");
        assertThat(scan.found()).extracting(r -> r.process().pid()).doesNotContain(decoyPid, ME);
        assertThat(scan.notes()).isEmpty();
    }

    @Test
    void copiedProcWithoutFdTablesShowsTheOwnerButSaysTheProcessIsNotVisible(@TempDir Path fake) throws Exception {
        int port = listen(StandardProtocolFamily.INET, "127.0.0.1");
        Files.createDirectories(fake.resolve("net"));
        List<String> tcp = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
        tcp.add("  99: this line is not what the kernel writes");
        Files.write(fake.resolve("net/tcp"), tcp);
        Files.createDirectories(fake.resolve(ME + ""));
        Files.writeString(fake.resolve(ME + "/comm"), "java\n");
        Path passwd = Files.writeString(fake.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534::/:/bin/false\n");
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");

        ListenerScan scan = new LinuxListeners(fake, passwd).listening(port);

        Listener l = single(scan, port);
        assertThat(l.uid()).hasValue(uid);
        assertThat(l.process()).isEmpty();
        assertThat(scan.notes()).anySatisfy(n -> assertThat(n).contains("this line is not what the kernel writes"));
        assertThat(scan.notes()).anySatisfy(n -> assertThat(n).contains("127.0.0.1:" + port).contains("uid " + uid));
    }

    @Test
    void anotherUserSeesTheOwnerOfARootSocketButIsToldToUseSudoForTheProcess() throws Exception {
        assumeTrue(USER.equals("root"), "needs root to drop to another user");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "needs setpriv");
        List<Path> classpath = List.of(codeSource(Listener.class), codeSource(ScanAsAnotherUser.class));
        classpath.forEach(p -> assumeTrue(readableByAll(p), p + " must be readable by nobody"));
        int port = listen(StandardProtocolFamily.INET, "127.0.0.1");
        String java = ProcessHandle.current().info().command().orElseThrow();

        Process scan = start("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", java, "-XX:-UsePerfData",
                "-Xshare:auto", "-cp", classpath.get(0) + ":" + classpath.get(1), ScanAsAnotherUser.class.getName(),
                String.valueOf(port));
        List<String> out = new BufferedReader(new InputStreamReader(scan.getInputStream(), StandardCharsets.UTF_8)).lines().toList();
        assertThat(scan.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String err = new String(scan.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(scan.exitValue()).as(err).isZero();

        assertThat(out).contains("listener 127.0.0.1:" + port + " uid=0 user=root pid=-");
        assertThat(out).anySatisfy(line -> assertThat(line).startsWith("note ").contains("127.0.0.1:" + port)
                .contains("root").contains("sudo"));
    }

    private static Path codeSource(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean readableByAll(Path path) {
        try {
            for (Path p = path; p != null; p = p.getParent()) {
                String perms = java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (perms.charAt(6) != 'r' || perms.charAt(8) != 'x') {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private int listen(StandardProtocolFamily family, String address) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family);
        open.add(channel);
        channel.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
        return ((InetSocketAddress) channel.getLocalAddress()).getPort();
    }

    private Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        children.add(p);
        return p;
    }

    private static String firstLine(Process p) throws IOException {
        String line = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
        assertThat(line).as("the child's first line").isNotNull();
        return line.strip();
    }

    private static Listener single(ListenerScan scan, int port) {
        assertThat(scan.on(port)).as("listeners on %d; notes %s", port, scan.notes()).hasSize(1);
        return scan.on(port).getFirst();
    }

    private static void assertOwnedByThisJvm(Listener l) {
        assertThat(l.process()).as("owner of " + l.display()).isPresent();
        OwnerProcess p = l.process().orElseThrow();
        assertThat(p.pid()).isEqualTo(ME);
        assertThat(p.name()).isEqualTo("java");
        assertThat(p.user()).contains(USER);
        assertThat(l.user()).contains(USER);
    }

    private static void assumeIpv6() {
        boolean available;
        try (ServerSocketChannel c = ServerSocketChannel.open(StandardProtocolFamily.INET6)) {
            c.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            available = c.getLocalAddress() instanceof InetSocketAddress a && a.getAddress() instanceof Inet6Address;
        } catch (IOException | UnsupportedOperationException e) {
            available = false;
        }
        assumeTrue(available, "IPv6 is not available here");
    }
}
