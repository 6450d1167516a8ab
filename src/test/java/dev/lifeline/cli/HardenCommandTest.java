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
        assertThat(r.err()).contains("--listen ollama:11434: host names are refused")
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
        assumeRootAndSetpriv();
        List<String> cp = readableClassPath();
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));

        Said said = as(65534, 65534, cp, "harden", "ollama", "--platform", "linux", "--apply");

        assertThat(said.exit()).as(said.text()).isEqualTo(2);
        assertThat(said.text()).contains("lifeline: --apply needs root (it writes to /etc/systemd/system, creates users and runs systemctl):"
                + " run it with sudo, or run the printed steps yourself");
    }

    /**
     * The whole recipe for API keys, as a user would follow it: {@code harden serve --apply} (into a folder, with a
     * {@code lifeline} user of uid 64123 in its passwd), then a key made the way the unit says, as the service's user,
     * then read as that user, as the service does. The config, written owner-only as by a root with umask 077, must be
     * readable by that user too. Needs root to act as another user; skipped otherwise.
     */
    @Test
    void keysMadeAsTheUnitSaysAreReadableByTheServicesUser() throws Exception {
        assumeRootAndSetpriv();
        int uid = 64123;
        Files.createDirectories(root.resolve("etc/lifeline"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n"
                + "lifeline:x:" + uid + ":" + uid + "::/nonexistent:/usr/sbin/nologin\n");
        Path config = root.resolve("etc/lifeline/lifeline.yaml");
        Files.writeString(config, CONFIG_80.replace(":80", ":8470"));
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cp = readableClassPath();

        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--apply", "--root",
                root.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        String unit = Files.readString(root.resolve("etc/systemd/system/lifeline.service"));
        assertThat(unit).contains("\nUser=lifeline\n").doesNotContain("DynamicUser");
        String keysFile = unit.lines().filter(l -> l.startsWith("Environment=LIFELINE_KEYS_FILE=")).findFirst().orElseThrow()
                .substring("Environment=LIFELINE_KEYS_FILE=".length());
        assertThat(unit).contains("#   runuser -u lifeline -- /opt/lifeline/lifeline keys create --keys-file " + keysFile + " --name NAME\n");
        Path keys = root.resolve(keysFile.substring(1));

        Said created = as(uid, uid, cp, "keys", "create", "--keys-file", keys.toString(), "--name", "app");
        assertThat(created.exit()).as(created.text()).isZero();
        assertThat(Files.getAttribute(keys, "unix:uid")).isEqualTo(uid);

        Said listed = as(uid, uid, cp, "keys", "list", "--keys-file", keys.toString());
        assertThat(listed.exit()).as(listed.text()).isZero();
        assertThat(listed.text()).contains("app").doesNotContain("permission denied");

        Said checked = as(uid, uid, cp, "config", "check", config.toString());
        assertThat(checked.exit()).as(checked.text()).isZero();
    }

    private record Said(int exit, String text) {
    }

    private static void assumeRootAndSetpriv() {
        Assumptions.assumeTrue(dev.lifeline.harden.Applier.privileged(), "not running as root, so cannot act as another user");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/setpriv")), "setpriv (util-linux) is not installed");
    }

    /** {@code lifeline ARGS} in a JVM of its own, as uid:gid and no other groups. */
    private static Said as(int uid, int gid, List<String> classPath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", String.join(File.pathSeparator, classPath),
                Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Said(p.exitValue(), said);
    }

    /** This test's classpath, copied into a folder of its own that every user may read. */
    private List<String> readableClassPath() throws IOException {
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
        try (Stream<Path> all = Files.walk(cp)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return entries;
    }

    /** picocli formats option descriptions, so a bare % in one draws a warning on the real stderr: a JVM of its own shows it. */
    @Test
    void helpAndUsageErrorsDrawNoPicocliWarning() throws Exception {
        for (List<String> args : List.of(List.of("harden", "ollama", "--help"), List.of("harden", "serve", "--help"),
                List.of("harden", "--help"), List.of("harden", "ollama", "--no-such-option"))) {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), Main.class.getName()));
            command.addAll(args);
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

            assertThat(err).as("%s", args).doesNotContain("picocli WARN");
            if (args.getFirst().equals("harden") && args.contains("ollama")) {
                assertThat(out + err).as("%s", args).contains("such as 80% or 24G (default: 80%)", "100% per core");
            }
        }
    }

    @Test
    void platformConflictsAreListedWithTheOtherProblems() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "windows", "--user", "bob", "--memory-max", "24", "--apply",
                "--root", root.toString());

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).contains("lifeline: --user: for Linux only", "lifeline: --memory-max: for Linux only",
                "lifeline: --memory-max 24: a bare number is bytes to systemd",
                "lifeline: --apply is for Linux; on windows run the printed steps yourself\n");
    }

    @Test
    void commaSeparatedOriginsAskForOnePerOption() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--origin", "https://a.com,https://b.com");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("lifeline: --origin https://a.com,https://b.com: one origin per --origin: repeat the option,"
                + " such as --origin https://app.example.com --origin https://admin.example.com\n");
    }

    @Test
    void localhostIsRefusedAsTheDocsSay() {
        CliTest.Run r = CliTest.run("harden", "ollama", "--platform", "linux", "--listen", "localhost:11434");

        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("lifeline: --listen localhost:11434: host names are refused, since what they resolve to can change"
                + " (expected: an IP address, such as 127.0.0.1:11434)\n");
    }

    private static final String CONFIG_80 = """
            listen: 0.0.0.0:80
            backends:
              ollama:
                url: http://127.0.0.1:11434/v1
            routes:
              - model: "*"
                targets: [ { backend: ollama } ]
            """;

    @Test
    void serveUsesTheLauncherTheJavaHomeAndAUserOfItsOwn() {
        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--root", root.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("\nExecStart=/opt/lifeline/lifeline serve --config /etc/lifeline/lifeline.yaml\n")
                .contains("\nEnvironment=JAVA_HOME=" + System.getProperty("java.home") + "\n")
                .contains("\nUser=lifeline\n", "\nCapabilityBoundingSet=\n", "\nPrivateDevices=yes\n")
                .contains("useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lifeline\n")
                .contains("install -d -o root -g lifeline -m 0750 /etc/lifeline\n", "install -d -o lifeline -g lifeline -m 0700 /var/lib/lifeline\n")
                .contains("\nEnvironment=LIFELINE_KEYS_FILE=/var/lib/lifeline/keys.json\n")
                .contains("systemctl daemon-reload && systemctl enable --now lifeline\n")
                .doesNotContain("DynamicUser");
    }

    @Test
    void serveBelowPort1024KeepsOnlyTheBindCapability() throws IOException {
        Path config = Files.createDirectories(root.resolve("etc/lifeline")).resolve("lifeline.yaml");
        Files.writeString(config, CONFIG_80.replace("0.0.0.0:80", "127.0.0.1:443"));

        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--config", config.toString(),
                "--user", "gateway");

        assertThat(r.out()).contains("\nUser=gateway\n", "\nCapabilityBoundingSet=CAP_NET_BIND_SERVICE\n",
                "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n", "useradd --system");
        assertThat(r.err()).contains("is in a temporary folder"); // the test's folder: only a warning
    }

    /** The port is the config's: a --port that the unit did not pass on could only disagree with it. */
    @Test
    void thePortComesFromTheConfigAndThereIsNoPortOption() throws IOException {
        Files.createDirectories(root.resolve("etc/lifeline"));
        Files.writeString(root.resolve("etc/lifeline/lifeline.yaml"), CONFIG_80);
        Map<String, String> env = Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline");

        CliTest.Run r = CliTest.run(env, "harden", "serve", "--root", root.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("# Port 80 (the config's listen) is below 1024", "\nAmbientCapabilities=CAP_NET_BIND_SERVICE\n");

        CliTest.Run withPort = CliTest.run(env, "harden", "serve", "--root", root.toString(), "--port", "8470");
        assertThat(withPort.exit()).isEqualTo(2);
        assertThat(withPort.out()).isEmpty();
        assertThat(withPort.err()).isEqualTo("lifeline: --port: the unit takes the port from the config's listen, which is what"
                + " `lifeline serve` binds; set listen in /etc/lifeline/lifeline.yaml and run this again\n");
    }

    @Test
    void aConfigThatNeedsTheEnvFilesSecretsIsReadWithThem() throws IOException {
        Files.createDirectories(root.resolve("etc/lifeline"));
        Files.writeString(root.resolve("etc/lifeline/lifeline.yaml"), CONFIG_80.replace("0.0.0.0:80", "\"${GATEWAY_LISTEN}\""));
        Files.writeString(root.resolve("etc/lifeline/lifeline.env"), "# secrets\nGATEWAY_LISTEN=\"127.0.0.1:443\"\n");

        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--root", root.toString());

        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("# Port 443 (the config's listen) is below 1024");
    }

    @Test
    void aMissingConfigDrawsTheSameWarningInBothModes() {
        Map<String, String> env = Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline");
        String expected = "lifeline: warning: /etc/lifeline/lifeline.yaml does not exist yet, and the service cannot start without it:"
                + " start from `lifeline config default > /etc/lifeline/lifeline.yaml`. The unit assumes port 8470; if the config"
                + " listens elsewhere, run this again\n";

        CliTest.Run printed = CliTest.run(env, "harden", "serve", "--root", root.toString());
        CliTest.Run applied = CliTest.run(env, "harden", "serve", "--apply", "--root", root.toString());

        assertThat(printed.exit()).isZero();
        assertThat(printed.err()).isEqualTo(expected);
        assertThat(applied.exit()).as(applied.err()).isZero();
        assertThat(applied.err()).isEqualTo(expected);
    }

    @Test
    void serveApplyIntoAFolderWritesTheUnit() {
        CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve",
                "--apply", "--root", root.toString());

        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(root.resolve("etc/systemd/system/lifeline.service")).content().contains("ExecStart=/opt/lifeline/lifeline serve");
        assertThat(r.out()).contains("skipped: systemctl daemon-reload && systemctl enable --now lifeline");
    }

    /** The service could not start from /tmp: printing warns, applying refuses and writes nothing. */
    @Test
    void applyRefusesALauncherInTmp() {
        Map<String, String> env = Map.of("LIFELINE_LAUNCHER", "/tmp/lifeline/lifeline");

        CliTest.Run printed = CliTest.run(env, "harden", "serve", "--root", root.toString());
        assertThat(printed.exit()).isZero();
        assertThat(printed.err()).contains("lifeline: warning: the launcher /tmp/lifeline/lifeline is in a temporary folder, which the"
                + " service does not see (PrivateTmp=yes): use one elsewhere\n");

        CliTest.Run applied = CliTest.run(env, "harden", "serve", "--apply", "--root", root.toString());
        assertThat(applied.exit()).isEqualTo(2);
        assertThat(applied.out()).isEmpty();
        assertThat(applied.err()).contains("lifeline: the launcher /tmp/lifeline/lifeline is in a temporary folder, which the service does"
                + " not see (PrivateTmp=yes), so it could not start: use one elsewhere\n");
        assertThat(root.resolve("etc/systemd/system/lifeline.service")).doesNotExist();
    }

    @Test
    void aConfigInTmpIsWarnedAbout() throws IOException {
        Path config = Files.createTempFile(Path.of("/tmp"), "lifeline", ".yaml");
        try {
            Files.writeString(config, CONFIG_80.replace(":80", ":8470"));
            CliTest.Run r = CliTest.run(Map.of("LIFELINE_LAUNCHER", "/opt/lifeline/lifeline"), "harden", "serve", "--config",
                    config.toString());

            assertThat(r.exit()).isZero();
            assertThat(r.err()).isEqualTo("lifeline: warning: the config " + config + " is in a temporary folder, which the service does"
                    + " not see (PrivateTmp=yes): use one elsewhere\n");
        } finally {
            Files.deleteIfExists(config);
        }
    }
}
