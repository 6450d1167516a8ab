package dev.lifeline.cli;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code lifeline harden} on the command line: what it prints, refuses and applies (into a folder, never this system). */
class HardenCommandTest {
    @TempDir
    Path root;

    @Test
    void ollamaPrintsTheDropInAndItsStepsForLinux() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--cpu-quota", "200%", "--root", root.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("id -u ollama >/dev/null 2>&1 || useradd --system --user-group --home-dir /usr/share/ollama"
                        + " --create-home --shell /usr/sbin/nologin ollama\n")
                .contains("chown -R ollama: /usr/share/ollama/.ollama\nchmod -R o-w /usr/share/ollama/.ollama\n")
                .contains("tee /etc/systemd/system/ollama.service.d/lifeline-hardening.conf >/dev/null <<'LIFELINE_UNIT'\n")
                .contains("# Undo: rm /etc/systemd/system/ollama.service.d/lifeline-hardening.conf\n")
                .contains("\nEnvironment=OLLAMA_HOST=127.0.0.1:11434\n", "\nCPUQuota=200%\n", "\nMemoryMax=80%\n")
                .contains("systemctl daemon-reload && systemctl restart ollama\n")
                .endsWith("lifeline doctor --url http://127.0.0.1:11434\n");
    }

    @Test
    void theHomeOfAnExistingUserComesFromPasswd() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "llm:x:990:990::/srv/llm:/usr/sbin/nologin\n");

        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--user", "llm", "--root", root.toString());

        assertThat(r.out()).contains("\nUser=llm\n", "\nEnvironment=OLLAMA_MODELS=/srv/llm/.ollama/models\n",
                "\nReadWritePaths=/srv/llm/.ollama\n");
    }

    @Test
    void aListenerBeyondLoopbackIsWarnedAboutWithTheFirewallCommand() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--listen", "0.0.0.0:11434");

        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEqualTo("lifeline: warning: --listen 0.0.0.0:11434 reaches Ollama from other machines; firewall the port"
                + " so only trusted ones get in: lifeline firewall plan --port 11434 --allow SUBNET\n");
        assertThat(r.out()).contains("lifeline firewall plan --port 11434 --allow SUBNET\n");
    }

    @Test
    void validationErrorsAreAllListedWithExitTwoAndNothingOnStdout() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--listen", "ollama:11434", "--origin", "*",
                "--memory-max", "lots", "--cpu-quota", "3");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().lines()).hasSize(4).allMatch(l -> l.startsWith("lifeline: "));
        assertThat(r.err()).contains("--listen ollama:11434: not an address and port")
                .contains("--origin *: lets every web page you visit call Ollama")
                .contains("--memory-max lots: not a size or a percentage")
                .contains("--cpu-quota 3: expected a percentage of one core");
    }

    @Test
    void anUnknownPlatformIsListedWithTheOtherProblems() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "bsd", "--origin", "*");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("lifeline: --platform bsd: expected linux, macos or windows\n").contains("--origin *:");
    }

    @Test
    void macosAndWindowsPrintTheirOwnStepsAndCannotBeApplied() {
        assertThat(CliTest.run("harden", "ollama", "--platform", "macos").out())
                .contains("launchctl setenv OLLAMA_HOST 127.0.0.1:11434\n", "dev.lifeline.ollama-env.plist", "chmod -R go-w ~/.ollama/models\n");
        assertThat(CliTest.run("harden", "ollama", "--platform", "windows", "--origin", "https://app.example.com").out())
                .contains("[Environment]::SetEnvironmentVariable('OLLAMA_HOST', '127.0.0.1:11434', 'User')\n")
                .contains("[Environment]::SetEnvironmentVariable('OLLAMA_ORIGINS', 'https://app.example.com', 'User')\n")
                .contains("icacls \"$env:USERPROFILE\\.ollama\\models\"", "--tool windows");

        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "macos", "--apply", "--root", root.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("lifeline: --apply is for Linux; on macos run the printed steps yourself\n");
    }

    @Test
    void applyIntoAFolderWritesTheDropInAndFixesTheModelsFolder() throws IOException {
        int uid = (Integer) Files.getAttribute(root, "unix:uid");
        int gid = (Integer) Files.getAttribute(root, "unix:gid");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "ollama:x:" + uid + ":" + gid + "::/usr/share/ollama:/usr/sbin/nologin\n");
        Path models = Files.createDirectories(root.resolve("usr/share/ollama/.ollama/models/blobs"));
        Files.setPosixFilePermissions(models, PosixFilePermissions.fromString("rwxrwxrwx"));

        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--apply", "--root", root.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(root.resolve("etc/systemd/system/ollama.service.d/lifeline-hardening.conf")).content()
                .contains("User=ollama", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "MemoryMax=80%", "CPUQuota=");
        assertThat(Files.getPosixFilePermissions(models)).doesNotContain(PosixFilePermission.OTHERS_WRITE);
        assertThat(r.out()).contains("wrote " + root.resolve("etc/systemd/system/ollama.service.d/lifeline-hardening.conf"))
                .contains("skipped: systemctl daemon-reload && systemctl restart ollama (--root " + root + " is not this system)");
    }

    /**
     * Really without root: this test's classpath, copied where anyone may read it, run as nobody through setpriv. Needs
     * root to drop to nobody; skipped otherwise (and then the check cannot be shown wrong by this machine anyway).
     */
    @Test
    void applyWithoutRootIsRefusedWithExitTwo() throws Exception {
        Assumptions.assumeTrue(dev.lifeline.harden.Applier.privileged(), "not running as root, so cannot drop to another user");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
        Path cp = Files.createDirectories(root.resolve("cp"));
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path from = Path.of(entry);
            Path to = cp.resolve(i++ + "-" + from.getFileName());
            if (Files.isDirectory(from)) {
                try (Stream<Path> all = Files.walk(from)) {
                    for (Path p : all.toList()) {
                        Files.copy(p, to.resolve(from.relativize(p).toString()));
                    }
                }
            } else if (Files.isRegularFile(from)) {
                Files.copy(from, to);
            }
            entries.add(to.toString());
        }
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", String.join(File.pathSeparator, entries),
                Main.class.getName(), "harden", "ollama", "--platform", "linux", "--apply")
                .redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).as(said).isEqualTo(2);
        assertThat(said).contains("lifeline: --apply needs root (it writes to /etc/systemd/system, creates users and runs systemctl):"
                + " run it with sudo, or run the printed steps yourself");
    }

    @Test
    void serveUsesTheLauncherTheJavaHomeAndADynamicUser() {
        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--port", "8470");

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\nExecStart=/opt/lifeline/lifeline serve --config /etc/lifeline/lifeline.yaml\n")
                .contains("\nEnvironment=JAVA_HOME=" + System.getProperty("java.home") + "\n")
                .contains("\nDynamicUser=yes\n", "\nCapabilityBoundingSet=\n", "\nPrivateDevices=yes\n")
                .contains("systemctl daemon-reload && systemctl enable --now lifeline\n");
    }

    @Test
    void serveBelowPort1024KeepsOnlyTheBindCapability() throws IOException {
        Path config = Files.createDirectories(root.resolve("etc/lifeline")).resolve("lifeline.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:443
                backends:
                  ollama:
                    url: http://127.0.0.1:11434/v1
                routes:
                  - model: "*"
                    targets: [ { backend: ollama } ]
                """);

        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--config", config.toString(),
                "--user", "lifeline");

        assertThat(r.out()).contains("\nUser=lifeline\n", "\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
                "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n", "useradd --system");
        assertThat(r.err()).contains("is in a temporary folder"); // the test's folder: only a warning
    }

    @Test
    void serveApplyIntoAFolderWritesTheUnit() {
        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--port", "8470",
                "--apply", "--root", root.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(root.resolve("etc/systemd/system/lifeline.service")).content().contains("ExecStart=/opt/lifeline/lifeline serve");
        assertThat(r.out()).contains("skipped: systemctl daemon-reload && systemctl enable --now lifeline");
    }

    @Test
    void aConfigInTmpIsWarnedAbout() {
        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--config", "/tmp/lifeline.yaml");

        assertThat(r.exit()).isZero();
        assertThat(r.err()).isEqualTo("lifeline: warning: /tmp/lifeline.yaml is in a temporary folder, which the service does not see"
                + " (PrivateTmp=yes): use one elsewhere\n");
    }
}
