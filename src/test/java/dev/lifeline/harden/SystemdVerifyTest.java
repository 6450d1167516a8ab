package dev.lifeline.harden;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code systemd-analyze verify}, the strongest check short of installing: the serve unit, and the Linux installer's
 * ollama.service with the drop-in beside it (verify reads drop-ins from the unit's own folder, as systemd would from
 * /etc/systemd/system). Skipped where systemd-analyze is missing.
 */
class SystemdVerifyTest {
    @TempDir
    Path tmp;

    @Test
    void theInstallersOllamaServiceWithTheDropInVerifies() throws Exception {
        assumeSystemdAnalyze();
        Path ollama = script(tmp.resolve("bin/ollama"));
        for (OllamaHardening h : List.of(Examples.defaults(Platform.LINUX), Examples.exposed(Platform.LINUX),
                Examples.ollama(Platform.LINUX, Optional.of("[::1]:11434"), List.of("http://localhost:3000"),
                        Optional.of("/srv/my models/100% \"local\""))) ) {
            Path units = Files.createDirectories(tmp.resolve("units-" + h.hashCode()));
            Path unit = Files.writeString(units.resolve("ollama.service"),
                    resource("ollama.service").replace("/usr/local/bin/ollama", ollama.toString()));
            Path dropIn = Files.createDirectories(units.resolve("ollama.service.d")).resolve("lifeline-hardening.conf");
            Files.writeString(dropIn, OllamaRecipes.linuxDropIn(h));

            verify(unit, "ollama.service", "lifeline-hardening.conf");
        }
    }

    /** A key that systemd does not know draws a warning: proof that verify really read the drop-in. */
    @Test
    void verifyReadsTheDropIn() throws Exception {
        assumeSystemdAnalyze();
        Path ollama = script(tmp.resolve("bin/ollama"));
        Path unit = Files.writeString(tmp.resolve("ollama.service"), resource("ollama.service").replace("/usr/local/bin/ollama", ollama.toString()));
        Files.writeString(Files.createDirectories(tmp.resolve("ollama.service.d")).resolve("lifeline-hardening.conf"),
                OllamaRecipes.linuxDropIn(Examples.defaults(Platform.LINUX)) + "NoSuchSetting=yes\n");

        assertThat(run(unit)).contains("lifeline-hardening.conf").contains("NoSuchSetting");
    }

    @Test
    void theServeUnitVerifies() throws Exception {
        assumeSystemdAnalyze();
        Path dir = Files.createDirectories(tmp.resolve("my lifeline $HOME %h"));
        Path launcher = script(dir.resolve("lifeline"));
        for (ServeUnit u : List.of(Examples.SERVE, Examples.SERVE_USER_PORT_443)) {
            ServeUnit here = new ServeUnit(launcher, dir.resolve("target/run/lifeline.jar"), u.javaHome(), u.config(), u.user(), u.port());
            Path units = Files.createDirectories(tmp.resolve("serve-" + u.port()));
            Path unit = Files.writeString(units.resolve("lifeline.service"), here.unit());

            verify(unit, "lifeline.service");
        }
    }

    private static void verify(Path unit, String... ours) throws Exception {
        String said = run(unit);
        // Other units on this machine may draw warnings of their own; ours must draw none.
        for (String name : ours) {
            assertThat(said.lines().filter(l -> l.contains(name))).as(said).isEmpty();
        }
    }

    private static String run(Path unit) throws Exception {
        Process p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", unit.toString())
                .directory(unit.getParent().toFile()).redirectErrorStream(true).start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(said).isZero();
        return said;
    }

    static void assumeSystemdAnalyze() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= !dir.isEmpty() && Files.isExecutable(Path.of(dir, "systemd-analyze"));
        }
        Assumptions.assumeTrue(found, "systemd-analyze is not installed, so the units cannot be verified here");
    }

    static String resource(String name) throws IOException {
        try (InputStream in = SystemdVerifyTest.class.getResourceAsStream("/harden/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static Path script(Path path) throws IOException {
        Files.createDirectories(path.getParent());
        Files.writeString(path, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
        return path;
    }
}
