package dev.lifeline.harden;

import dev.lifeline.systemd.UnitText;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The text of {@code lifeline harden ollama}: for Linux a systemd drop-in and the steps around it, for macOS the launchd
 * environment and a login agent that restores it, for Windows the user's environment variables and the models
 * folder's ACL. Pure functions of an {@link OllamaHardening}; nothing is changed here.
 *
 * <p>Each output ends with the doctor command that checks the result, and says how to undo it.
 */
public final class OllamaRecipes {
    /** Read after the installer's {@code /etc/systemd/system/ollama.service}, before {@code override.conf}. */
    public static final String DROP_IN = "/etc/systemd/system/ollama.service.d/lifeline-hardening.conf";
    public static final String LAUNCH_AGENT_LABEL = "dev.lifeline.ollama-env";
    private static final String EOF = "LIFELINE_UNIT";

    private OllamaRecipes() {
    }

    /** The output for the hardening's platform. */
    public static String recipe(OllamaHardening h) {
        return switch (h.platform()) {
            case LINUX -> linux(h);
            case MACOS -> macos(h);
            case WINDOWS -> windows(h);
        };
    }

    // ---------------------------------------------------------------- Linux

    /**
     * {@value #DROP_IN}. It adds to the installer's unit rather than replacing it, so an Ollama update that rewrites
     * {@code ollama.service} keeps the hardening, and deleting this one file undoes it.
     *
     * <p>The sandbox is what Ollama survives: it opens the GPU devices (so no {@code PrivateDevices=} or
     * {@code DevicePolicy=}, nor {@code ProtectClock=}, which adds a device allow-list), loads CUDA and ROCm libraries
     * that need writable executable memory (so no {@code MemoryDenyWriteExecute=}), and writes its key pair and models
     * under its home (so {@code ReadWritePaths=} opens exactly those under {@code ProtectSystem=strict}).
     */
    public static String linuxDropIn(OllamaHardening h) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(DROP_IN).append('\n');
        out.append("# Written by `lifeline harden ollama`. It adds to ollama.service: Ollama listens where\n");
        out.append("# OLLAMA_HOST says, runs as ").append(h.user()).append(", sees the system read-only apart from its own\n");
        out.append("# folders, and stays within a memory and CPU limit. Drop-ins that sort after this file\n");
        out.append("# (such as override.conf from `systemctl edit ollama`) are read later and win.\n");
        out.append("# Undo: rm ").append(DROP_IN).append('\n');
        out.append("#       systemctl daemon-reload && systemctl restart ollama\n");
        out.append("[Service]\n");
        out.append("# A user of its own: a flaw in Ollama (its CVEs came through model pulls) then owns that\n");
        out.append("# account, not the machine. Group= (empty): the user's own group, whatever the unit said.\n");
        out.append("User=").append(h.user()).append('\n');
        out.append("Group=\n");
        if (h.listen().loopback()) {
            out.append("# Loopback: only this machine (the gateway, local tools) reaches Ollama.\n");
        } else {
            out.append("# Beyond this machine: firewall the port so only trusted machines reach it:\n");
            out.append("#   lifeline firewall plan --port ").append(h.listen().port()).append(" --allow SUBNET\n");
        }
        out.append("Environment=").append(UnitText.item("OLLAMA_HOST=" + h.listen())).append('\n');
        if (h.origins().isEmpty()) {
            out.append("# No OLLAMA_ORIGINS: Ollama's built-in list lets only pages from localhost, 127.0.0.1,\n");
            out.append("# 0.0.0.0, app://, file://, tauri:// and vscode-webview:// call it from a browser.\n");
            out.append("# To add a site: lifeline harden ollama --origin https://app.example.com\n");
        } else {
            out.append("# Web pages (besides localhost ones) that may call Ollama from a browser; never *.\n");
            out.append("Environment=").append(UnitText.item("OLLAMA_ORIGINS=" + String.join(",", h.origins()))).append('\n');
        }
        out.append("Environment=").append(UnitText.item("OLLAMA_MODELS=" + h.linuxModels())).append('\n');
        out.append("# New files and folders: writable by ").append(h.user()).append(" alone.\n");
        out.append("UMask=0022\n");
        out.append("# Sandbox. Left out on purpose: PrivateDevices= and DevicePolicy= (Ollama opens the GPU\n");
        out.append("# devices), ProtectClock= (it adds a device allow-list that hides the GPU) and\n");
        out.append("# MemoryDenyWriteExecute= (CUDA and ROCm libraries need it off).\n");
        out.append("NoNewPrivileges=yes\n");
        out.append("ProtectSystem=strict\n");
        out.append("# The only folders it may write: its key pair and the models.\n");
        out.append("ReadWritePaths=").append(h.writable().stream().map(p -> UnitText.item(p.toString())).collect(Collectors.joining(" ")))
                .append('\n');
        if (h.protectHome().equals("yes")) {
            out.append("# /home, /root and /run/user: out of sight.\n");
        } else {
            out.append("# read-only, not yes: ").append(h.writable().stream().filter(OllamaHardening::underHome).map(Path::toString)
                    .collect(Collectors.joining(" and "))).append(" is under /home, /root or /run/user,\n");
            out.append("# which yes would hide; the rest of those folders cannot be changed.\n");
        }
        out.append("ProtectHome=").append(h.protectHome()).append('\n');
        out.append("PrivateTmp=yes\n");
        out.append("ProtectKernelTunables=yes\n");
        out.append("ProtectKernelModules=yes\n");
        out.append("ProtectKernelLogs=yes\n");
        out.append("ProtectControlGroups=yes\n");
        out.append("ProtectHostname=yes\n");
        out.append("RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK\n");
        out.append("RestrictNamespaces=yes\n");
        out.append("RestrictRealtime=yes\n");
        out.append("RestrictSUIDSGID=yes\n");
        out.append("LockPersonality=yes\n");
        out.append("SystemCallArchitectures=native\n");
        out.append("# Limits: one runaway model cannot take the whole machine.\n");
        out.append("MemoryMax=").append(h.memoryMax()).append('\n');
        out.append("CPUQuota=").append(h.cpuQuota()).append('\n');
        return out.toString();
    }

    /** The create-user command: a system account with a home but no login, as the Linux installer makes it. */
    public static String useradd(OllamaHardening h) {
        return "useradd --system --user-group --home-dir " + Sh.word(h.home().toString())
                + " --create-home --shell /usr/sbin/nologin " + h.user();
    }

    /** A root shell's steps: the user, its folders, the drop-in (through a quoted here-document) and the restart. */
    public static String linux(OllamaHardening h) {
        String user = h.user();
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline: harden the Ollama service (Linux, systemd).\n");
        out.append("# Review, then paste into a root shell (sudo -i), or run the same command with --apply as root.\n");
        out.append("# Undo: the drop-in's header says how; the user and the folder permissions can stay.\n");
        out.append("# 1. A user of its own (the Linux installer made one already: then this does nothing).\n");
        out.append("id -u ").append(user).append(" >/dev/null 2>&1 || ").append(useradd(h)).append('\n');
        out.append("# GPU access for AMD and Intel cards comes through the render and video groups.\n");
        out.append("for g in render video; do getent group \"$g\" >/dev/null && usermod -a -G \"$g\" ").append(user).append("; done\n");
        out.append("# 2. The folders it writes, owned by ").append(user).append(" and writable by no other user: a model\n");
        out.append("#    file that others can replace is code they choose, run by the server.\n");
        out.append("mkdir -p ").append(Sh.word(h.linuxModels().toString())).append(h.writable().size() > 1 ? " " + Sh.word(h.dotOllama().toString()) : "")
                .append('\n');
        for (Path dir : h.writable()) {
            out.append("chown -R ").append(user).append(": ").append(Sh.word(dir.toString())).append('\n');
            out.append("chmod -R o-w ").append(Sh.word(dir.toString())).append('\n');
        }
        out.append("# 3. The drop-in.\n");
        out.append("mkdir -p ").append(Path.of(DROP_IN).getParent()).append('\n');
        out.append("tee ").append(DROP_IN).append(" >/dev/null <<'").append(EOF).append("'\n");
        out.append(linuxDropIn(h)).append(EOF).append('\n');
        out.append("# 4. Load it and restart Ollama.\n");
        out.append("systemctl daemon-reload && systemctl restart ollama\n");
        out.append("# 5. Check.\n");
        out.append("lifeline doctor --url ").append(h.listen().localUrl()).append('\n');
        if (!h.listen().loopback()) {
            out.append("# 6. Ollama listens beyond this machine: let only trusted machines reach the port.\n");
            out.append("lifeline firewall plan --port ").append(h.listen().port()).append(" --allow SUBNET\n");
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- macOS

    /**
     * The Ollama app reads its environment from launchd: {@code launchctl setenv} for now, a login agent because that
     * does not survive a reboot, and the app's own settings, whose "Expose" toggle overrides {@code OLLAMA_HOST}.
     */
    public static String macos(OllamaHardening h) {
        String plist = "~/Library/LaunchAgents/" + LAUNCH_AGENT_LABEL + ".plist";
        String models = h.models().map(Sh::word).orElse("~/.ollama/models");
        List<String> setenv = setenv(h);
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline: harden Ollama on macOS. Paste into Terminal as the user who runs Ollama (no sudo).\n");
        out.append("# 1. The environment the Ollama app starts with (launchd's, until the next reboot).\n");
        setenv.forEach(c -> out.append(c).append('\n'));
        if (h.origins().isEmpty()) {
            out.append("# No OLLAMA_ORIGINS: Ollama's built-in list lets only pages from localhost, 127.0.0.1,\n");
            out.append("# 0.0.0.0, app://, file://, tauri:// and vscode-webview:// call it from a browser.\n");
            out.append("launchctl unsetenv OLLAMA_ORIGINS\n");
        }
        out.append("# 2. In Ollama's settings, turn off \"Expose Ollama to the network\" (it sets\n");
        out.append("#    OLLAMA_HOST=0.0.0.0) and browser access (it sets OLLAMA_ORIGINS=*).\n");
        out.append("# 3. Quit Ollama (menu bar icon, Quit Ollama) and start it again: it reads the environment\n");
        out.append("#    only when it starts.\n");
        out.append("osascript -e 'quit app \"Ollama\"'; sleep 2; open -a Ollama\n");
        out.append("# 4. Set it again at every login: launchctl setenv does not survive a reboot. If Ollama\n");
        out.append("#    starts at login before this agent has run, quit and start it once more.\n");
        out.append("mkdir -p ~/Library/LaunchAgents\n");
        out.append("cat > ").append(plist).append(" <<'LIFELINE_PLIST'\n");
        out.append(launchAgent(h));
        out.append("LIFELINE_PLIST\n");
        out.append("launchctl bootout gui/$(id -u)/").append(LAUNCH_AGENT_LABEL).append(" 2>/dev/null; launchctl bootstrap gui/$(id -u) ")
                .append(plist).append('\n');
        out.append("# 5. The models folder: writable by you alone (a model file that others can replace is\n");
        out.append("#    code they choose, run by the server).\n");
        out.append("chmod -R go-w ").append(models).append('\n');
        out.append("# 6. Check.\n");
        out.append("lifeline doctor --url ").append(h.listen().localUrl()).append('\n');
        if (!h.listen().loopback()) {
            out.append("# 7. Ollama listens beyond this machine: let only trusted machines reach the port.\n");
            out.append("lifeline firewall plan --port ").append(h.listen().port()).append(" --allow SUBNET --tool pf\n");
        }
        out.append("# Undo: launchctl bootout gui/$(id -u)/").append(LAUNCH_AGENT_LABEL).append("; rm ").append(plist).append('\n');
        out.append("#       launchctl unsetenv OLLAMA_HOST; launchctl unsetenv OLLAMA_ORIGINS");
        out.append(h.models().isPresent() ? "; launchctl unsetenv OLLAMA_MODELS" : "").append('\n');
        out.append("#       then quit and start Ollama again.\n");
        return out.toString();
    }

    /** {@code ~/Library/LaunchAgents/dev.lifeline.ollama-env.plist}: runs the setenv commands once at each login. */
    static String launchAgent(OllamaHardening h) {
        String script = String.join(" && ", setenv(h));
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
                + "<plist version=\"1.0\">\n"
                + "<dict>\n"
                + "  <key>Label</key>\n"
                + "  <string>" + LAUNCH_AGENT_LABEL + "</string>\n"
                + "  <key>ProgramArguments</key>\n"
                + "  <array>\n"
                + "    <string>/bin/sh</string>\n"
                + "    <string>-c</string>\n"
                + "    <string>" + xml(script) + "</string>\n"
                + "  </array>\n"
                + "  <key>RunAtLoad</key>\n"
                + "  <true/>\n"
                + "</dict>\n"
                + "</plist>\n";
    }

    private static List<String> setenv(OllamaHardening h) {
        List<String> out = new java.util.ArrayList<>();
        out.add("launchctl setenv OLLAMA_HOST " + Sh.word(h.listen().toString()));
        if (!h.origins().isEmpty()) {
            out.add("launchctl setenv OLLAMA_ORIGINS " + Sh.word(String.join(",", h.origins())));
        }
        h.models().ifPresent(m -> out.add("launchctl setenv OLLAMA_MODELS " + Sh.word(m)));
        return out;
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // ---------------------------------------------------------------- Windows

    /**
     * The Ollama app reads the user's environment variables when it starts; they persist, so no agent is needed. The
     * models folder gets an ACL of its own: the user, SYSTEM and Administrators, nothing inherited.
     */
    public static String windows(OllamaHardening h) {
        String models = h.models().map(m -> "'" + m + "'").orElse("\"$env:USERPROFILE\\.ollama\\models\"");
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline: harden Ollama on Windows. Paste into PowerShell as the user who runs Ollama\n");
        out.append("# (not as administrator): these are that user's variables, which the app reads at start.\n");
        out.append("# 1. Where Ollama listens").append(h.listen().loopback() ? ": loopback, so only this machine reaches it.\n" : ".\n");
        out.append(setUser("OLLAMA_HOST", "'" + h.listen() + "'")).append('\n');
        if (h.origins().isEmpty()) {
            out.append("# No OLLAMA_ORIGINS: Ollama's built-in list lets only pages from localhost, 127.0.0.1,\n");
            out.append("# 0.0.0.0, app://, file://, tauri:// and vscode-webview:// call it from a browser.\n");
            out.append(setUser("OLLAMA_ORIGINS", "$null")).append('\n');
        } else {
            out.append(setUser("OLLAMA_ORIGINS", "'" + String.join(",", h.origins()) + "'")).append('\n');
        }
        h.models().ifPresent(m -> out.append(setUser("OLLAMA_MODELS", "'" + m + "'")).append('\n'));
        out.append("# 2. In Ollama's settings, turn off \"Expose Ollama to the network\" (it sets\n");
        out.append("#    OLLAMA_HOST=0.0.0.0) and browser access (it sets OLLAMA_ORIGINS=*).\n");
        out.append("# 3. Quit Ollama from the tray (right-click the llama icon, Quit Ollama) and start it again\n");
        out.append("#    from the Start menu: it reads the variables only when it starts.\n");
        out.append("# 4. The models folder: writable by you, SYSTEM and Administrators alone (a model file that\n");
        out.append("#    others can replace is code they choose). Everything below it inherits from it.\n");
        out.append("icacls ").append(models).append(" /reset /T /Q\n");
        out.append("icacls ").append(models).append(" /inheritance:r /grant:r \"${env:USERDOMAIN}\\${env:USERNAME}:(OI)(CI)F\"")
                .append(" '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F'\n");
        out.append("# 5. Windows Firewall: ").append(h.listen().loopback()
                ? "nothing to open while Ollama listens on loopback. If you expose it, let only\n#    trusted machines in: "
                : "Ollama listens beyond this machine, so let only trusted machines in:\n#    ");
        out.append("lifeline firewall plan --port ").append(h.listen().port()).append(" --allow SUBNET --tool windows\n");
        out.append("# 6. Check.\n");
        out.append("lifeline doctor --url ").append(h.listen().localUrl()).append('\n');
        out.append("# Undo: ").append(setUser("OLLAMA_HOST", "$null")).append('\n');
        if (!h.origins().isEmpty()) {
            out.append("#       ").append(setUser("OLLAMA_ORIGINS", "$null")).append('\n');
        }
        out.append("#       icacls ").append(models).append(" /reset /T /Q   (then quit and start Ollama again)\n");
        return out.toString();
    }

    private static String setUser(String name, String value) {
        return "[Environment]::SetEnvironmentVariable('" + name + "', " + value + ", 'User')";
    }
}
