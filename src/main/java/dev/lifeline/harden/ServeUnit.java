package dev.lifeline.harden;

import dev.lifeline.systemd.UnitText;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * {@code /etc/systemd/system/lifeline.service}: {@code lifeline serve} as a hardened service. The gateway needs the
 * network and nothing else, so it gets far less than Ollama: no devices, no capabilities (unless it binds a port below
 * 1024), no address families but IP and Unix sockets, and a read-only system apart from its state folder.
 *
 * <p>It runs as a system user of its own ({@code lifeline} by default), never a dynamic one: the API keys must belong
 * to a user that exists outside the service. {@code lifeline keys} (and the gateway's admin endpoints) rewrite the keys
 * file owner-only ({@code 0600}) at every change, so the file lives in the service's own folder,
 * {@code /var/lib/lifeline}, and keys are made as that user; a file made by root would lock the service out.
 * {@code /etc/lifeline} stays root's, readable by the user's group.
 *
 * @param launcher the {@code lifeline} launcher script, what ExecStart runs
 * @param jar      the jar it runs ({@code target/run/lifeline.jar}): the launcher refreshes its copy and start-up
 *                 cache in that folder, which the unit may write when the service's user owns it
 * @param javaHome the JDK, pinned so that the service finds the one this command runs on
 * @param config   the configuration, passed as {@code --config}
 * @param user     the account it runs as, created by the steps when missing
 * @param port     the port the config listens on; below 1024 it keeps {@code CAP_NET_BIND_SERVICE} and nothing else
 */
public record ServeUnit(Path launcher, Path jar, Path javaHome, Path config, String user, int port) {
    public static final String PATH = "/etc/systemd/system/lifeline.service";
    public static final Path DEFAULT_CONFIG = Path.of("/etc/lifeline/lifeline.yaml");
    public static final String DEFAULT_USER = "lifeline";
    /** Root's, readable by the service's group: the config and the secrets file. */
    public static final String CONFIG_DIR = "/etc/lifeline";
    /** The service's own ({@code StateDirectory=lifeline}): the keys file, which it and {@code lifeline keys} rewrite. */
    public static final String STATE_DIR = "/var/lib/lifeline";
    /** Read by systemd itself, as root, before it drops privileges: where the secrets the config names as ${VAR} go. */
    public static final String ENV_FILE = "/etc/lifeline/lifeline.env";
    public static final String KEYS_FILE = STATE_DIR + "/keys.json";
    private static final Pattern USER = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");
    private static final String EOF = "LIFELINE_UNIT";

    public ServeUnit {
        Objects.requireNonNull(launcher, "launcher");
        Objects.requireNonNull(jar, "jar");
        Objects.requireNonNull(javaHome, "javaHome");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(user, "user");
        List<String> problems = problems(launcher, jar, javaHome, config, user, port);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
    }

    /** Everything wrong with these settings, each fit to print after {@code lifeline: }; empty when they make a unit. */
    public static List<String> problems(Path launcher, Path jar, Path javaHome, Path config, String user, int port) {
        List<String> problems = new ArrayList<>();
        for (Path p : new Path[] {launcher, jar, javaHome, config}) {
            if (!p.toString().startsWith("/") || !Sh.plain(p.toString())) {
                problems.add(p + " (expected: an absolute path without line breaks)");
            }
        }
        if (launcher.toString().matches("(?s).*[\"'\\\\].*")) {
            problems.add("systemd does not run a program whose path contains a quote or a backslash: "
                    + launcher + " (expected: a plain path; a symbolic link to the launcher from one will do)");
        }
        if (!USER.matcher(user).matches() || user.equals("root")) {
            problems.add("--user " + user + " (expected: a user name of its own, such as lifeline; not root)");
        }
        if (port < 1 || port > 65535) {
            problems.add(config + ": listen port " + port + " (expected: 1-65535; a service needs a fixed port)");
        }
        return problems;
    }

    /** How the API keys are made: as the service's user, which then owns the file that {@code lifeline keys} rewrites. */
    public String keysCommand() {
        return "runuser -u " + user + " -- " + Sh.word(launcher.toString()) + " keys create --keys-file " + KEYS_FILE + " --name NAME";
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
        out.append("# Written by `lifeline harden serve`; run it again after changing the config's listen.\n");
        out.append("# Undo: systemctl disable --now lifeline && rm ").append(PATH).append(" && systemctl daemon-reload\n");
        out.append("# Runs as ").append(user).append(", which reads ").append(CONFIG_DIR).append(" through its group (root:").append(user)
                .append(" 0750)\n");
        out.append("# and owns ").append(STATE_DIR).append(", where the API keys are.\n");
        out.append("# Secrets: write them in the config as ${VAR} and put VAR=value lines in ").append(ENV_FILE).append('\n');
        out.append("# (chmod 600, owned by root): systemd reads that file before it drops privileges, so the\n");
        out.append("# service's user never reads it.\n");
        out.append("# API keys: each change rewrites the keys file so that only its owner can read it. Make and\n");
        out.append("# change them as ").append(user).append(" (runuser, or sudo -u ").append(user)
                .append("), never as root, or the service is\n");
        out.append("# locked out:\n");
        out.append("#   ").append(keysCommand()).append('\n');
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
        out.append("# In its own folder: the admin endpoints change it too (unless the config's auth.keys_file\n");
        out.append("# names another, which must then belong to ").append(user).append(" as well).\n");
        out.append("Environment=LIFELINE_KEYS_FILE=").append(KEYS_FILE).append('\n');
        out.append("# A user of its own: a flaw in the gateway owns that account, not the machine.\n");
        out.append("User=").append(user).append('\n');
        out.append("Group=\n");
        out.append("# ").append(STATE_DIR).append(": its own, the one folder it may write.\n");
        out.append("StateDirectory=lifeline\n");
        out.append("StateDirectoryMode=0700\n");
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
        if (port < 1024) {
            out.append("# Port ").append(port).append(" (the config's listen) is below 1024: binding it is the one privilege kept.\n");
            out.append("CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n");
            out.append("AmbientCapabilities=CAP_NET_BIND_SERVICE\n");
        } else {
            out.append("# No capabilities at all: port ").append(port).append(" (the config's listen) needs none.\n");
            out.append("CapabilityBoundingSet=\n");
        }
        out.append('\n');
        out.append("[Install]\n");
        out.append("WantedBy=multi-user.target\n");
        return out.toString();
    }

    /** The user, its folders, the config's group, the unit through a quoted here-document, and the start. */
    public String script() {
        String c = Sh.word(config.toString());
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline: run `lifeline serve` as a hardened systemd service.\n");
        out.append("# Review, then paste into a root shell (sudo -i), or run the same command with --apply as root.\n");
        int step = 1;
        out.append("# ").append(step++).append(". A user of its own, without a home or a login.\n");
        out.append("id -u ").append(user).append(" >/dev/null 2>&1 || useradd --system --user-group --no-create-home")
                .append(" --home-dir /nonexistent --shell /usr/sbin/nologin ").append(user).append('\n');
        out.append("# ").append(step++).append(". Its folders: ").append(CONFIG_DIR).append(" root's, readable by its group; ").append(STATE_DIR)
                .append(" its own (the API keys).\n");
        out.append("install -d -o root -g ").append(user).append(" -m 0750 ").append(CONFIG_DIR).append('\n');
        out.append("install -d -o ").append(user).append(" -g ").append(user).append(" -m 0700 ").append(STATE_DIR).append('\n');
        out.append("chown -R ").append(user).append(": ").append(STATE_DIR).append('\n');
        out.append("# ").append(step++).append(". The config, readable by its group (if it is missing: lifeline config default > ").append(c)
                .append(", then this).\n");
        out.append("[ ! -e ").append(c).append(" ] || { chgrp ").append(user).append(' ').append(c).append(" && chmod g+r ").append(c)
                .append("; }\n");
        out.append("# ").append(step++).append(". Build Lifeline and its start-up cache now: the service cannot.\n");
        out.append(Sh.word(launcher.toString())).append(" --version\n");
        out.append("# ").append(step++).append(". The unit.\n");
        out.append("tee ").append(PATH).append(" >/dev/null <<'").append(EOF).append("'\n");
        out.append(unit()).append(EOF).append('\n');
        out.append("# ").append(step++).append(". Start it now and at every boot.\n");
        out.append("systemctl daemon-reload && systemctl enable --now lifeline\n");
        out.append("# API keys, made as ").append(user).append(" so that the service can read them:\n");
        out.append("#   ").append(keysCommand()).append('\n');
        out.append("# Status: systemctl status lifeline   Log: journalctl -u lifeline\n");
        return out.toString();
    }
}
