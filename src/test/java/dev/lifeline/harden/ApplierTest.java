package dev.lifeline.harden;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The applier on a real file system, rooted in a temporary folder: it writes the files, hands the folders to the user
 * and closes them to others. Users and systemctl belong to the running system and are skipped under a folder.
 */
class ApplierTest {
    @TempDir
    Path root;

    final List<String> said = new ArrayList<>();

    @Test
    void ollamaWritesTheDropInAndClosesAWorldWritableModelsFolder() throws IOException {
        int uid = (Integer) Files.getAttribute(root, "unix:uid");
        int gid = (Integer) Files.getAttribute(root, "unix:gid");
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n"
                + "ollama:x:" + uid + ":" + gid + "::/usr/share/ollama:/usr/sbin/nologin\n");
        Path models = root.resolve("usr/share/ollama/.ollama/models");
        Path blob = Files.createDirectories(models.resolve("blobs")).resolve("sha256-0123");
        Files.writeString(blob, "weights");
        Files.createDirectories(models.resolve("manifests/registry.ollama.ai"));
        try (Stream<Path> all = Files.walk(root.resolve("usr/share/ollama/.ollama"))) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxrwxrwx" : "rw-rw-rw-"));
            }
        }
        Files.createSymbolicLink(models.resolve("outside"), Path.of("/etc"));

        new Applier(root, said::add).ollama(Examples.defaults(Platform.LINUX));

        Path dropIn = root.resolve("etc/systemd/system/ollama.service.d/lifeline-hardening.conf");
        assertThat(Files.readString(dropIn)).isEqualTo(OllamaRecipes.linuxDropIn(Examples.defaults(Platform.LINUX)));
        assertThat(Files.getPosixFilePermissions(dropIn)).isEqualTo(PosixFilePermissions.fromString("rw-r--r--"));
        try (Stream<Path> all = Files.walk(root.resolve("usr/share/ollama/.ollama"))) {
            for (Path p : all.filter(p -> !Files.isSymbolicLink(p)).toList()) {
                assertThat(Files.getPosixFilePermissions(p)).as(p.toString()).doesNotContain(PosixFilePermission.OTHERS_WRITE)
                        .contains(PosixFilePermission.OWNER_WRITE);
                assertThat(Files.getAttribute(p, "unix:uid")).isEqualTo(uid);
            }
        }
        assertThat(Files.getPosixFilePermissions(blob)).isEqualTo(PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(Files.getPosixFilePermissions(Path.of("/etc"))).as("a link is not followed").contains(PosixFilePermission.OTHERS_READ);
        assertThat(root.resolve("etc/systemd/system/ollama.service.d")).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
        assertThat(said).contains("skipped: creating user ollama (--root " + root + " is not this system)",
                "write access for other users removed under " + root.resolve("usr/share/ollama/.ollama") + ": 6 changed",
                "wrote " + dropIn,
                "skipped: systemctl daemon-reload && systemctl restart ollama (--root " + root + " is not this system)",
                "check: lifeline doctor --url http://127.0.0.1:11434");
    }

    @Test
    void aMissingModelsFolderIsCreatedAndAnUnknownUserLeavesOwnershipAsItIs() throws IOException {
        OllamaHardening h = Examples.exposed(Platform.LINUX);

        new Applier(root, said::add).ollama(h);

        assertThat(root.resolve("home/models/ollama")).isDirectory();
        assertThat(root.resolve("usr/share/ollama/.ollama")).isDirectory();
        assertThat(said).contains("created " + root.resolve("home/models/ollama"),
                "skipped: owner of " + root.resolve("home/models/ollama") + " (user ollama is not in " + root.resolve("etc/passwd") + ")");
    }

    @Test
    void applyingTwiceReplacesTheDropIn() throws IOException {
        new Applier(root, said::add).ollama(Examples.exposed(Platform.LINUX));
        new Applier(root, said::add).ollama(Examples.defaults(Platform.LINUX));

        assertThat(root.resolve("etc/systemd/system/ollama.service.d/lifeline-hardening.conf"))
                .content().contains("Environment=OLLAMA_HOST=127.0.0.1:11434").doesNotContain("10.0.0.5");
        assertThat(root.resolve("etc/systemd/system/ollama.service.d")).isDirectoryContaining("glob:**/lifeline-hardening.conf")
                .satisfies(d -> assertThat(Files.list(d).count()).isEqualTo(1));
    }

    @Test
    void serveWritesTheUnitAndGivesTheFoldersToTheServicesUser() throws IOException {
        int uid = (Integer) Files.getAttribute(root, "unix:uid");
        int gid = (Integer) Files.getAttribute(root, "unix:gid");
        Files.createDirectories(root.resolve("etc"));
        // "root" is this test's own user here, so that the test also runs without root.
        Files.writeString(root.resolve("etc/passwd"), "root:x:" + uid + ":" + gid + ":root:/root:/bin/bash\n"
                + "gateway:x:" + uid + ":" + gid + "::/nonexistent:/usr/sbin/nologin\n");
        Path config = Files.createDirectories(root.resolve("etc/lifeline")).resolve("gateway 100%.yaml");
        Files.writeString(config, "listen: 127.0.0.1:443\n");
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-------"));

        new Applier(root, said::add).serve(Examples.SERVE_USER_PORT_443);

        Path unit = root.resolve("etc/systemd/system/lifeline.service");
        assertThat(Files.readString(unit)).isEqualTo(Examples.SERVE_USER_PORT_443.unit());
        assertThat(Files.getPosixFilePermissions(root.resolve("etc/lifeline"))).isEqualTo(PosixFilePermissions.fromString("rwxr-x---"));
        assertThat(Files.getPosixFilePermissions(root.resolve("var/lib/lifeline"))).isEqualTo(PosixFilePermissions.fromString("rwx------"));
        assertThat(Files.getPosixFilePermissions(config)).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
        assertThat(said).containsExactly("skipped: creating user gateway (--root " + root + " is not this system)",
                "created " + root.resolve("var/lib/lifeline"),
                root.resolve("etc/lifeline") + ": owner root, group gateway, 0750",
                root.resolve("var/lib/lifeline") + ": owner gateway (uid " + uid + "), 0700, 0 changed",
                config + ": group gateway, readable by it",
                "wrote " + unit,
                "skipped: systemctl daemon-reload && systemctl enable --now lifeline (--root " + root + " is not this system)",
                "API keys, made as gateway so that the service can read them: runuser -u gateway -- /home/alice/lifeline/lifeline"
                        + " keys create --keys-file /var/lib/lifeline/keys.json --name NAME",
                "status: systemctl status lifeline   log: journalctl -u lifeline");
    }

    @Test
    void serveWithAnUnknownUserLeavesOwnershipAsItIs() throws IOException {
        new Applier(root, said::add).serve(Examples.SERVE);

        assertThat(root.resolve("etc/lifeline")).isDirectory();
        assertThat(root.resolve("var/lib/lifeline")).isDirectory();
        assertThat(said).contains("skipped: owners of " + root.resolve("etc/lifeline") + ", " + root.resolve("var/lib/lifeline")
                + " and the config (user lifeline is not in " + root.resolve("etc/passwd") + ")");
    }

    @Test
    void theRootIsTheSystemOnlyWhenItIsSlash() {
        assertThat(new Applier(Path.of("/"), said::add).system()).isTrue();
        assertThat(new Applier(root, said::add).system()).isFalse();
        assertThat(new Applier(root, said::add).under(Path.of("/etc/passwd"))).isEqualTo(root.resolve("etc/passwd"));
    }
}
