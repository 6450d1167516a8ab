package dev.lifeline.doctor;

import dev.lifeline.doctor.listen.Listener;
import dev.lifeline.doctor.listen.OwnerProcess;
import dev.lifeline.harden.Applier;
import dev.lifeline.harden.InvalidOptions;
import dev.lifeline.harden.OllamaHardening;
import dev.lifeline.harden.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code lifeline harden ollama --apply} and {@code lifeline doctor} agree: the doctor's hardening audit finds fault with
 * the Linux installer's ollama.service and a world-writable models folder, and nothing once the drop-in is applied.
 * Here, not in dev.lifeline.harden, because the audit is package-private.
 */
class HardenAuditTest {
    @TempDir
    Path root;

    @Test
    void theDoctorFindsNothingToWarnAboutAfterApply() throws IOException, InvalidOptions {
        int uid = (Integer) Files.getAttribute(root, "unix:uid");
        int gid = (Integer) Files.getAttribute(root, "unix:gid");
        Files.createDirectories(root.resolve("etc/systemd/system"));
        Files.writeString(root.resolve("etc/passwd"), "ollama:x:" + uid + ":" + gid + "::/usr/share/ollama:/usr/sbin/nologin\n");
        try (InputStream in = HardenAuditTest.class.getResourceAsStream("/harden/ollama.service")) {
            Files.writeString(root.resolve("etc/systemd/system/ollama.service"), new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        for (String d : List.of("", "/blobs", "/manifests")) {
            Path p = Files.createDirectories(root.resolve("usr/share/ollama/.ollama/models" + d));
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxrwxrwx"));
        }
        Hardening audit = new Hardening(root);
        OwnerProcess ollama = new OwnerProcess(4242, "ollama", "/usr/local/bin/ollama serve", Optional.of("ollama"));
        Listener listener = new Listener(InetAddress.getLoopbackAddress(), 11434, false, OptionalInt.of(uid == 0 ? 999 : uid),
                Optional.of("ollama"), Optional.of(ollama));

        assertThat(audit.check("ollama", ServerKind.OLLAMA, ollama, listener)).extracting(Finding::code)
                .contains("harden.unit-limits", "harden.models-writable");

        OllamaHardening h = OllamaHardening.of(Platform.LINUX, Optional.empty(), List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), OllamaHardening.DEFAULT_HOME, Runtime.getRuntime().availableProcessors());
        List<String> said = new ArrayList<>();
        new Applier(root, said::add).ollama(h);

        List<Finding> after = audit.check("ollama", ServerKind.OLLAMA, ollama, listener);
        assertThat(after).as("findings after apply: %s", after).allMatch(f -> f.severity() == Severity.OK);
        assertThat(after).extracting(Finding::code).containsExactly("harden.models");
    }
}
