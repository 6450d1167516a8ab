package dev.lifeline.harden;

import dev.lifeline.systemd.UnitText;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code /etc/systemd/system/lifeline.service}: {@code lifeline serve} as a hardened service. The gateway needs the
 * network and nothing else, so it gets far less than Ollama: no devices, no capabilities (unless it binds a port below
 * 1024), no address families but IP and Unix sockets, and a read-only system apart from its state folder.
 *
 * @param launcher the {@code lifeline} launcher script, what ExecStart runs
 * @param jar      the jar it runs ({@code target/run/lifeline.jar}): the launcher refreshes its copy and start-up
 *                 cache in that folder, which the unit may write when the service's user owns it
 * @param javaHome the JDK, pinned so that the service finds the one this command runs on
 * @param config   the configuration, passed as {@code --config}
 * @param user     the account it runs as; empty: {@code DynamicUser=yes}, a throw-away account systemd makes at start
 * @param port     the port it listens on; below 1024 it keeps {@code CAP_NET_BIND_SERVICE} and nothing else
 */
public record ServeUnit(Path launcher, Path jar, Path javaHome, Path config, Optional<String> user, int port) {
    public static final String PATH = "/etc/systemd/system/lifeline.service";
    public static final Path DEFAULT_CONFIG = Path.of("/etc/lifeline/lifeline.yaml");
    /** Read by systemd itself, as root, before it drops privileges: where the secrets the config names as ${VAR} go. */
    public static final String ENV_FILE = "/etc/lifeline/lifeline.env";
    public static final String KEYS_FILE = "/etc/lifeline/keys.json";
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final String EOF = "LIFELINE_UNIT";

    public ServeUnit {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(jar, "jar");
        Objects.requireNonNull(javaHome, "javaHome");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(user, "user");
        for (Path p : new Path[] {launcher, jar, javaHome, config}) {
            if (!p.toString().startsWith("/") || !Sh.plain(p.toString())) {
                throw new IllegalArgumentException(p + " (expected: an absolute path without line breaks)");
            }
        }
        if (launcher.toString().matches("(?s).*[\"'\\\\].*")) {
            throw new IllegalArgumentException("systemd does not run a program whose path contains a quote or a backslash: "
                    + launcher + " (expected: a plain path; a symbolic link to the launcher from one will do)");
        }
        user.ifPresent(u -> {
            if (!USER.matcher(u).matches() || u.equals("root")) {
                throw new IllegalArgumentException("--user " + u + " (expected: a user name of its own, such as lifeline; not root)");
            }
        });
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " (expected: 0-65535)");
        }
    }

    /** {@code ProtectHome=read-only} when the launcher, the JDK or the config is under /home, /root or /run/user: yes would hide them. */
    public String protectHome() {
        return OllamaHardening.underHome(launcher) || OllamaHardening.underHome(jar) || OllamaHardening.underHome(javaHome)
                || OllamaHardening.underHome(config) ? "read-only" : "yes";
    }

    /** The unit file. */
    public String unit() {
        StringBuilder exec = new StringBuilder(UnitText.program(launcher.toString()));
        exec.append(" serve --config ").append(UnitText.word(config.toString()));
        StringBuilder out = new StringBuilder();
        out.append("# ").append(PATH).append(": the Lifeline gateway (`lifeline serve`), hardened.\n");
        out.append("# Written by `lifeline harden serve`.\n");
        out.append("# Undo: systemctl disable --now lifeline && rm ").append(PATH).append(" && systemctl daemon-reload\n");
        out.append("# Secrets: write them in the config as ${VAR} and put VAR=value lines in ").append(ENV_FILE).append('\n');
        out.append("# (chmod 600, owned by root): systemd reads that file before it drops privileges, so the\n");
        out.append("# config and the keys file (only hashes) hold nothing the service's user must not read.\n");
        out.append("[Unit]\n");
        out.append("Description=Lifeline gateway: cloud first, local models when the cloud fails\n");
        out.append("Wants=network-online.target\n");
        out.append("# After Ollama, when it runs here, so the first requests find it up.\n");
        out.append("After=network-online.target ollama.service\n");
        out.append('\n');
        out.append("[Service]\n");
        out.append("Type=exec\n");
        out.append("ExecStart=").append(exec).append('\n');
        out.append("Environment=").append(UnitText.item("JAVA_HOME=" + javaHome)).append('\n');
        out.append("EnvironmentFile=-").append(ENV_FILE).append('\n');
        out.append("# Manage keys with: lifeline keys --keys-file ").append(KEYS_FILE).append(" ...\n");
        out.append("Environment=LIFELINE_KEYS_FILE=").append(KEYS_FILE).append('\n');
        if (user.isPresent()) {
            out.append("# A user of its own: a flaw in the gateway owns that account, not the machine.\n");
            out.append("User=").append(user.get()).append('\n');
            out.append("Group=\n");
        } else {
            out.append("# A throw-away user systemd makes at each start: nothing on disk belongs to it but its\n");
            out.append("# state folder. Give a fixed one with `lifeline harden serve --user lifeline`.\n");
            out.append("DynamicUser=yes\n");
        }
        out.append("# /var/lib/lifeline (its own) and /etc/lifeline (read-only, made if missing).\n");
        out.append("StateDirectory=lifeline\n");
        out.append("ConfigurationDirectory=lifeline\n");
        out.append("Restart=on-failure\n");
        out.append("RestartSec=2s\n");
        out.append("# Each client connection and each backend connection is a file descriptor.\n");
        out.append("LimitNOFILE=65536\n");
        out.append("# Sandbox: the gateway needs the network and nothing else. No MemoryDenyWriteExecute=:\n");
        out.append("# the JVM's compiler writes machine code.\n");
        out.append("NoNewPrivileges=yes\n");
        out.append("ProtectSystem=strict\n");
        if (protectHome().equals("yes")) {
            out.append("ProtectHome=yes\n");
        } else {
            out.append("# read-only, not yes: the launcher, the JDK or the config is under /home, /root or\n");
            out.append("# /run/user, which yes would hide. Their folders must be readable by the service's user.\n");
            out.append("ProtectHome=read-only\n");
        }
        out.append("# The launcher's run folder, where it refreshes its jar copy and start-up cache. Run\n");
        out.append("#   ").append(Sh.word(launcher.toString())).append(" --version\n");
        out.append("# once after each update, as the folder's owner: the service cannot build Lifeline.\n");
        out.append("ReadWritePaths=").append(UnitText.item("-" + jar.getParent())).append('\n');
        out.append("PrivateTmp=yes\n");
        out.append("PrivateDevices=yes\n");
        out.append("ProtectKernelTunables=yes\n");
        out.append("ProtectKernelModules=yes\n");
        out.append("ProtectKernelLogs=yes\n");
        out.append("ProtectControlGroups=yes\n");
        out.append("ProtectClock=yes\n");
        out.append("ProtectHostname=yes\n");
        out.append("RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n");
        out.append("RestrictNamespaces=yes\n");
        out.append("RestrictRealtime=yes\n");
        out.append("RestrictSUIDSGID=yes\n");
        out.append("LockPersonality=yes\n");
        out.append("SystemCallArchitectures=native\n");
        out.append("UMask=0077\n");
        if (port > 0 && port < 1024) {
            out.append("# Port ").append(port).append(" is below 1024: binding it is the one privilege kept.\n");
            out.append("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
            out.append("AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        } else {
            out.append("# No capabilities at all (port ").append(port).append(" needs none).\n");
            out.append("CapabilityBoundingSet=\n");
        }
        out.append('\n');
        out.append("[Install]\n");
        out.append("WantedBy=multi-user.target\n");
        return out.toString();
    }

    /** The unit through a quoted here-document, the user when one is named, and the start. */
    public String script() {
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline: run `lifeline serve` as a hardened systemd service.\n");
        out.append("# Review, then paste into a root shell (sudo -i), or run the same command with --apply as root.\n");
        int step = 1;
        if (user.isPresent()) {
            out.append("# ").append(step++).append(". A user of its own, without a home or a login.\n");
            out.append("id -u ").append(user.get()).append(" >/dev/null 2>&1 || useradd --system --user-group --no-create-home")
                    .append(" --home-dir /nonexistent --shell /usr/sbin/nologin ").append(user.get()).append('\n');
        }
        out.append("# ").append(step++).append(". Build Lifeline and its start-up cache now: the service cannot.\n");
        out.append(Sh.word(launcher.toString())).append(" --version\n");
        out.append("# ").append(step++).append(". The unit.\n");
        out.append("tee ").append(PATH).append(" >/dev/null <<'").append(EOF).append("'\n");
        out.append(unit()).append(EOF).append('\n');
        out.append("# ").append(step++).append(". Start it now and at every boot.\n");
        out.append("systemctl daemon-reload && systemctl enable --now lifeline\n");
        out.append("# Status: systemctl status lifeline   Log: journalctl -u lifeline\n");
        return out.toString();
    }
}
