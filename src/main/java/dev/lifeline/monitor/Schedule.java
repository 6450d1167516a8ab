package dev.lifeline.monitor;

import dev.lifeline.config.Durations;

import dev.lifeline.systemd.UnitText;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Ready-to-install recipes that run {@code lifeline monitor} on a schedule: a crontab entry, a systemd service and
 * timer, a launchd agent, a Windows scheduled task ({@code lifeline monitor schedule --cron|--systemd|--launchd|
 * --windows}).
 *
 * <p>These are pure functions from a {@link Job} to text. Nothing is installed: the user reads what will run, as whom
 * and how often, and installs it with the commands in the recipe's own comment header. Every value is quoted for the
 * format it lands in (shell and cron, systemd unit syntax, XML, cmd.exe plus the Windows argument rules); a value the
 * format cannot carry at all is refused with an {@link IllegalArgumentException} whose message says why, fit to print
 * after {@code lifeline: }.
 *
 * <p>The monitor exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN and sends its own alerts on state changes, so the
 * recipes redirect nothing and add no alerting of their own; each only says where the exit code shows.
 */
public final class Schedule {
    /** How often the monitor runs unless told otherwise. */
    public static final Duration DEFAULT_EVERY = Duration.ofMinutes(5);

    public static final String SYSTEMD_SERVICE = "lifeline-monitor.service";
    public static final String SYSTEMD_TIMER = "lifeline-monitor.timer";
    public static final String LAUNCHD_LABEL = "dev.lifeline.monitor";
    public static final String WINDOWS_TASK = "Lifeline Monitor";

    /**
     * The longest {@code /TR} value schtasks takes. Microsoft's page says "must not exceed 262 characters" today and
     * 261 in older versions; we keep to the smaller.
     */
    static final int SCHTASKS_MAX_TR = 261;

    private static final String CRON_EXPECTED =
            "(expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)";

    private Schedule() {
    }

    /** The four schedulers, one per {@code lifeline monitor schedule} flag. */
    public enum Format { CRON, SYSTEMD, LAUNCHD, WINDOWS }

    /**
     * What to schedule.
     *
     * @param launcher   absolute path of the {@code lifeline} launcher script; what cron, systemd and launchd run
     *                   (unused on Windows, which has no launcher)
     * @param jar        absolute path of the running jar ({@code target/run/lifeline.jar} under the launcher). Windows
     *                   runs it with {@code java -jar}; the systemd unit may write in its directory, where the
     *                   launcher keeps its copy of the jar and its start-up cache
     * @param javaHome   the JDK to run on, pinned so that a scheduler's bare environment finds the same one as the
     *                   user's shell (empty: the launcher finds one, Windows uses {@code javaw.exe} from PATH)
     * @param config     absolute path of the configuration, passed as {@code --config} (empty: the monitor's default)
     * @param args       further arguments for {@code lifeline monitor}, after {@code --config}, such as an output mode
     * @param every      the interval between runs
     * @param mailto     where cron mails the monitor's output (cron only; empty: the crontab's owner)
     * @param workingDir the directory the monitor runs in (not settable through schtasks; all its paths are absolute)
     * @param user       the account the systemd service runs as (systemd only; empty: root)
     * @param home       the user's home directory: launchd does not expand {@code ~} in the log paths (launchd only)
     */
    public record Job(Path launcher, Path jar, Optional<Path> javaHome, Optional<Path> config, List<String> args,
                      Duration every, Optional<String> mailto, Path workingDir, Optional<String> user, Path home) {

        private static final Pattern MAILTO = Pattern.compile("[^\\s\"'\\\\]+");
        private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.@-]*");

        public Job {
            Objects.requireNonNull(launcher, "launcher");
            Objects.requireNonNull(jar, "jar");
            Objects.requireNonNull(javaHome, "javaHome");
            Objects.requireNonNull(config, "config");
            args = List.copyOf(args);
            Objects.requireNonNull(every, "every");
            Objects.requireNonNull(mailto, "mailto");
            Objects.requireNonNull(workingDir, "workingDir");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(home, "home");
            requirePositive(every);
            if (every.getNano() != 0) {
                throw new IllegalArgumentException("interval " + Durations.format(every) + " (expected: whole seconds, such as 5m)");
            }
            plain("launcher", launcher.toString());
            plain("jar", jar.toString());
            javaHome.ifPresent(p -> plain("Java home", p.toString()));
            config.ifPresent(p -> plain("config", p.toString()));
            args.forEach(a -> plain("monitor argument", a));
            plain("working directory", workingDir.toString());
            plain("home", home.toString());
            mailto.ifPresent(m -> {
                if (!MAILTO.matcher(m).matches()) {
                    throw new IllegalArgumentException("MAILTO " + shown(m)
                            + " (expected: email addresses separated by commas, without spaces or quotes)");
                }
            });
            user.ifPresent(u -> {
                if (!USER.matcher(u).matches()) {
                    throw new IllegalArgumentException("user " + shown(u)
                            + " (expected: a user name or number, such as lifeline or 1000)");
                }
            });
        }

        /** Every 5 minutes with the default config and no extras; add those with the {@code with...} methods. */
        public static Job of(Path launcher, Path jar, Path workingDir, Path home) {
            return new Job(launcher, jar, Optional.empty(), Optional.empty(), List.of(), DEFAULT_EVERY,
                    Optional.empty(), workingDir, Optional.empty(), home);
        }

        public Job withJavaHome(Path javaHome) {
            return new Job(launcher, jar, Optional.of(javaHome), config, args, every, mailto, workingDir, user, home);
        }

        public Job withConfig(Path config) {
            return new Job(launcher, jar, javaHome, Optional.of(config), args, every, mailto, workingDir, user, home);
        }

        public Job withArgs(List<String> args) {
            return new Job(launcher, jar, javaHome, config, args, every, mailto, workingDir, user, home);
        }

        public Job withEvery(Duration every) {
            return new Job(launcher, jar, javaHome, config, args, every, mailto, workingDir, user, home);
        }

        public Job withMailto(String mailto) {
            return new Job(launcher, jar, javaHome, config, args, every, Optional.of(mailto), workingDir, user, home);
        }

        public Job withUser(String user) {
            return new Job(launcher, jar, javaHome, config, args, every, mailto, workingDir, Optional.of(user), home);
        }

        /** What follows the program: {@code monitor --config FILE ARGS...}. */
        List<String> monitorArgs() {
            List<String> words = new ArrayList<>();
            words.add("monitor");
            config.ifPresent(c -> {
                words.add("--config");
                words.add(c.toString());
            });
            words.addAll(args);
            return words;
        }
    }

    /** The recipe for one scheduler. */
    public static String recipe(Format format, Job job) {
        return switch (format) {
            case CRON -> cron(job);
            case SYSTEMD -> systemd(job);
            case LAUNCHD -> launchd(job);
            case WINDOWS -> windows(job);
        };
    }

    // ---------------------------------------------------------------- cron

    /**
     * A crontab block: comments, an optional {@code MAILTO=} line and the entry. The entry changes to the working
     * directory and runs the launcher under {@code flock -n}, so a run that is still going makes the next one skip
     * instead of piling up. The lock is a file in the user's home, which no other user can take.
     */
    public static String cron(Job job) {
        String when = cronExpression(job.every());
        unixPath("launcher", job.launcher());
        unixPath("working directory", job.workingDir());
        job.javaHome().ifPresent(p -> unixPath("Java home", p));
        job.config().ifPresent(p -> unixPath("config", p));

        StringBuilder cmd = new StringBuilder("cd ").append(sh(job.workingDir().toString())).append(" && ");
        job.javaHome().ifPresent(h -> cmd.append("JAVA_HOME=").append(sh(h.toString())).append(' '));
        cmd.append("flock -n \"$HOME/.lifeline-monitor.lock\" ").append(sh(job.launcher().toString()));
        job.monitorArgs().forEach(a -> cmd.append(' ').append(sh(a)));

        StringBuilder out = new StringBuilder();
        out.append("# Lifeline monitor: checks the local LLM servers every ").append(Durations.format(job.every())).append(" (cron).\n");
        out.append("# Install: run `crontab -e` and paste these lines at the end.\n");
        if (job.mailto().isPresent()) {
            out.append("# cron mails a job's output to MAILTO only when there is output, and the monitor\n");
            out.append("# prints only when a check has a problem: a healthy server sends no mail.\n");
            out.append("# MAILTO applies to every entry below it, so keep this block last.\n");
        } else {
            out.append("# cron mails a job's output to you (local mail) only when there is output, and the\n");
            out.append("# monitor prints only when a check has a problem: a healthy server sends no mail.\n");
            out.append("# To have it mailed elsewhere, put MAILTO=you@example.com on a line above the entry.\n");
        }
        out.append("# flock -n (Linux, util-linux) skips a run while the previous one is still going;\n");
        out.append("# macOS has no flock: use `lifeline monitor schedule --launchd` there.\n");
        out.append("# cron keeps no exit codes: the monitor's own alerts are what tell you.\n");
        job.mailto().ifPresent(m -> out.append("MAILTO=").append(m).append('\n'));
        // cron turns an unescaped % into a line break (the rest becomes the command's stdin); \% is a percent sign,
        // but a backslash just before it would swallow that escape
        if (cmd.indexOf("\\%") >= 0) {
            throw new IllegalArgumentException("cron cannot pass a backslash followed by %: " + cmd
                    + " (expected: paths and arguments without \"\\%\")");
        }
        out.append(when).append(' ').append(cmd.toString().replace("%", "\\%")).append('\n');
        return out.toString();
    }

    /**
     * The five cron fields that start a job every {@code every}: {@code * * * * *} for a minute, {@code *}{@code /5
     * * * * *} for 5 minutes, {@code 0 *}{@code /2 * * *} for 2 hours, {@code 0 0 * * *} for a day. Cron fields
     * count from the top of the hour and of the day, so only minutes that divide 60 and hours that divide 24 give
     * equal gaps; anything else (7m, 90m, 25h) would run at uneven times, and is refused.
     */
    public static String cronExpression(Duration every) {
        requirePositive(every);
        long minutes = every.toMinutes();
        if (every.equals(Duration.ofMinutes(minutes))) {
            if (minutes < 60 && 60 % minutes == 0) {
                return minutes == 1 ? "* * * * *" : "*/" + minutes + " * * * *";
            }
            long hours = minutes / 60;
            if (minutes % 60 == 0 && 24 % hours == 0) {
                return hours == 1 ? "0 * * * *" : hours == 24 ? "0 0 * * *" : "0 */" + hours + " * * *";
            }
        }
        throw new IllegalArgumentException("cron cannot run a job every " + Durations.format(every) + " " + CRON_EXPECTED);
    }

    // ---------------------------------------------------------------- systemd

    /**
     * A shell snippet that writes {@link #systemdService} and {@link #systemdTimer} to {@code /etc/systemd/system}
     * (through quoted here-documents, so nothing in them is expanded) and enables the timer.
     */
    public static String systemd(Job job) {
        String service = systemdService(job);
        String timer = systemdTimer(job);
        String eof = "LIFELINE_UNIT";
        StringBuilder out = new StringBuilder();
        out.append("# Lifeline monitor: checks the local LLM servers every ").append(Durations.format(job.every()))
                .append(" (systemd service and timer).\n");
        out.append("# Paste into a shell: it writes the two units to /etc/systemd/system and starts the timer.\n");
        out.append("# The service sees the file system read-only, apart from its state and log directories and\n");
        out.append("# the launcher's run directory, so it cannot build Lifeline: run\n");
        out.append("#   ").append(sh(job.launcher().toString())).append(" --version\n");
        out.append("# once now, and again after each update, so that it is built.\n");
        if (job.user().isEmpty()) {
            out.append("# The service runs as root; add User=<name> under [Service] to run it as a normal user.\n");
        }
        out.append("sudo tee /etc/systemd/system/").append(SYSTEMD_SERVICE).append(" >/dev/null <<'").append(eof).append("'\n");
        out.append(service).append(eof).append('\n');
        out.append("sudo tee /etc/systemd/system/").append(SYSTEMD_TIMER).append(" >/dev/null <<'").append(eof).append("'\n");
        out.append(timer).append(eof).append('\n');
        out.append("sudo systemctl daemon-reload && sudo systemctl enable --now ").append(SYSTEMD_TIMER).append('\n');
        out.append("# Next run: systemctl list-timers ").append(SYSTEMD_TIMER).append('\n');
        out.append("# Last runs: journalctl -u ").append(SYSTEMD_SERVICE).append('\n');
        return out.toString();
    }

    /**
     * {@code lifeline-monitor.service}: one run of the monitor. Type=oneshot, because the unit is done when the
     * process exits; the hardening keeps the network (the monitor talks to servers and webhooks) and lets it write
     * only what it needs.
     */
    public static String systemdService(Job job) {
        unixPath("launcher", job.launcher());
        unixPath("jar", job.jar());
        unixPath("working directory", job.workingDir());
        job.javaHome().ifPresent(p -> unixPath("Java home", p));
        job.config().ifPresent(p -> unixPath("config", p));
        String launcher = job.launcher().toString();
        if (launcher.matches("(?s).*[\"'\\\\].*")) {
            throw new IllegalArgumentException("systemd does not run a program whose path contains a quote or a backslash: "
                    + launcher + " (expected: a plain path; a symbolic link to the launcher from one will do)");
        }
        String workingDir = job.workingDir().toString();
        if (workingDir.endsWith("\\") || !workingDir.equals(workingDir.strip())) {
            throw new IllegalArgumentException("systemd cannot take the working directory " + shown(workingDir)
                    + " (expected: a path that does not end in a backslash or a space)");
        }

        StringBuilder exec = new StringBuilder(UnitText.program(launcher));
        job.monitorArgs().forEach(a -> exec.append(' ').append(UnitText.word(a)));

        StringBuilder out = new StringBuilder();
        out.append("# ").append(SYSTEMD_SERVICE).append(": one run of `lifeline monitor`, started by ")
                .append(SYSTEMD_TIMER).append(".\n");
        out.append("#\n");
        out.append("# Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Any code but 0 makes the unit\n");
        out.append("# \"failed\", which shows in `systemctl --failed` and in whatever watches failed units.\n");
        out.append("# SuccessExitStatus=1 counts a WARNING as a success: the monitor already alerts on it,\n");
        out.append("# and a slow model should not page whoever watches failed units. CRITICAL and UNKNOWN\n");
        out.append("# still fail the unit. The launcher also exits 1 on its own errors (such as a failed\n");
        out.append("# build); those show only in the journal. Delete the line to fail on WARNING too.\n");
        out.append("[Unit]\n");
        out.append("Description=Lifeline monitor: one check of the local LLM servers\n");
        out.append("Wants=network-online.target\n");
        out.append("After=network-online.target\n");
        out.append('\n');
        out.append("[Service]\n");
        out.append("Type=oneshot\n");
        job.user().ifPresent(u -> out.append("User=").append(u).append('\n'));
        out.append("WorkingDirectory=").append(UnitText.specifiers(workingDir)).append('\n');
        job.javaHome().ifPresent(h -> out.append("Environment=").append(UnitText.item("JAVA_HOME=" + h)).append('\n'));
        out.append("# The monitor keeps its alert state in $XDG_STATE_HOME/lifeline: here /var/lib/lifeline.\n");
        out.append("Environment=XDG_STATE_HOME=%S\n");
        out.append("ExecStart=").append(exec).append('\n');
        out.append("SuccessExitStatus=1\n");
        out.append("# A run that hangs is stopped (and fails the unit) by the time the next one is due;\n");
        out.append("# the timer never starts a second run while one is still going.\n");
        out.append("TimeoutStartSec=").append(UnitText.span(job.every())).append('\n');
        out.append("# Hardening that keeps the network. Writable: /var/lib/lifeline (state), /var/log/lifeline\n");
        out.append("# (point monitor.log there) and the launcher's run directory (its jar copy and start-up cache).\n");
        out.append("# Anything else the config writes, such as a textfile for node_exporter, needs its directory\n");
        out.append("# added to ReadWritePaths=.\n");
        out.append("NoNewPrivileges=yes\n");
        out.append("PrivateTmp=yes\n");
        out.append("ProtectSystem=strict\n");
        out.append("ProtectHome=read-only\n");
        out.append("StateDirectory=lifeline\n");
        out.append("LogsDirectory=lifeline\n");
        out.append("ReadWritePaths=").append(UnitText.item("-" + job.jar().getParent())).append('\n');
        return out.toString();
    }

    /**
     * {@code lifeline-monitor.timer}: first run a minute after boot, then {@code every} after the last one started.
     * No {@code Persistent=}: systemd only honours it for {@code OnCalendar=} timers, and {@code OnBootSec=} already
     * catches up after a boot.
     */
    public static String systemdTimer(Job job) {
        String every = UnitText.span(job.every());
        return "# " + SYSTEMD_TIMER + ": starts " + SYSTEMD_SERVICE + " a minute after boot, then every " + every + ".\n"
                + "[Unit]\n"
                + "Description=Run the Lifeline monitor every " + every + "\n"
                + "\n"
                + "[Timer]\n"
                + "OnBootSec=1min\n"
                + "OnUnitActiveSec=" + every + "\n"
                + "AccuracySec=30s\n"
                + "# No Persistent=: systemd only honours it for OnCalendar= timers; OnBootSec= catches up after a boot.\n"
                + "\n"
                + "[Install]\n"
                + "WantedBy=timers.target\n";
    }

    // ---------------------------------------------------------------- launchd

    /**
     * A launchd agent, {@code ~/Library/LaunchAgents/dev.lifeline.monitor.plist}: the whole output is the file, its
     * instructions in an XML comment. launchd runs it in the user's session every {@code every} and at login, and
     * never starts a run while one is still going. Every value is XML-escaped.
     */
    public static String launchd(Job job) {
        unixPath("launcher", job.launcher());
        unixPath("working directory", job.workingDir());
        unixPath("home", job.home());
        job.javaHome().ifPresent(p -> unixPath("Java home", p));
        job.config().ifPresent(p -> unixPath("config", p));
        String log = job.home().resolve("Library/Logs/lifeline/monitor.log").toString();
        String plist = "~/Library/LaunchAgents/" + LAUNCHD_LABEL + ".plist";
        String domain = "gui/$(id -u)";

        StringBuilder out = new StringBuilder();
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        // No "--" in here: XML comments cannot contain it.
        out.append("<!--\n");
        out.append("  Lifeline monitor: checks the local LLM servers every ").append(Durations.format(job.every()))
                .append(" (launchd agent).\n");
        out.append("  Install:\n");
        out.append("    mkdir -p ~/Library/LaunchAgents ~/Library/Logs/lifeline\n");
        out.append("    (save this text as ").append(plist).append(")\n");
        out.append("    launchctl bootstrap ").append(domain).append(' ').append(plist).append('\n');
        out.append("  To change it, first run: launchctl bootout ").append(domain).append('/').append(LAUNCHD_LABEL).append('\n');
        out.append("  Last exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN):\n");
        out.append("    launchctl print ").append(domain).append('/').append(LAUNCHD_LABEL).append('\n');
        out.append("  Output: ~/Library/Logs/lifeline/monitor.log. launchd never starts a run while one is going.\n");
        out.append("-->\n");
        out.append("<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n");
        out.append("<plist version=\"1.0\">\n");
        out.append("<dict>\n");
        out.append("  <key>Label</key>\n");
        out.append("  <string>").append(LAUNCHD_LABEL).append("</string>\n");
        out.append("  <key>ProgramArguments</key>\n");
        out.append("  <array>\n");
        out.append("    <string>").append(xml(job.launcher().toString())).append("</string>\n");
        job.monitorArgs().forEach(a -> out.append("    <string>").append(xml(a)).append("</string>\n"));
        out.append("  </array>\n");
        job.javaHome().ifPresent(h -> {
            out.append("  <key>EnvironmentVariables</key>\n");
            out.append("  <dict>\n");
            out.append("    <key>JAVA_HOME</key>\n");
            out.append("    <string>").append(xml(h.toString())).append("</string>\n");
            out.append("  </dict>\n");
        });
        out.append("  <key>WorkingDirectory</key>\n");
        out.append("  <string>").append(xml(job.workingDir().toString())).append("</string>\n");
        out.append("  <key>StartInterval</key>\n");
        out.append("  <integer>").append(job.every().toSeconds()).append("</integer>\n");
        out.append("  <key>RunAtLoad</key>\n");
        out.append("  <true/>\n");
        // One file for both, so the lines stay in order; launchd does not expand ~, hence the absolute path.
        out.append("  <key>StandardOutPath</key>\n");
        out.append("  <string>").append(xml(log)).append("</string>\n");
        out.append("  <key>StandardErrorPath</key>\n");
        out.append("  <string>").append(xml(log)).append("</string>\n");
        out.append("</dict>\n");
        out.append("</plist>\n");
        return out.toString();
    }

    private static String xml(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- Windows

    /**
     * A {@code schtasks /Create} command for cmd.exe. There is no launcher on Windows, so the task runs the jar with
     * {@code javaw.exe}: java without a console window that would flash up every few minutes. The exit code still
     * reaches Task Scheduler's "Last Run Result".
     *
     * <p>Quoting has two layers. schtasks reads {@code /TR "..."} by the Windows argument rules, so a quote inside is
     * written {@code \"}. cmd.exe knows no {@code \"}: it toggles at every quote, which puts the inside of each inner
     * quoted path outside its quotes, where {@code &|<>^} must be escaped with {@code ^}. A {@code %} cannot be
     * escaped (cmd and Task Scheduler both expand {@code %VARIABLES%}), nor can a quote (Windows paths never hold one).
     */
    public static String windows(Job job) {
        String java = job.javaHome().map(h -> windowsPath("Java home", h) + "\\bin\\javaw.exe").orElse("javaw.exe");
        String jar = windowsPath("jar", job.jar());
        job.config().ifPresent(p -> windowsPath("config", p));
        String[] schedule = windowsSchedule(job.every());

        TaskCommand tr = new TaskCommand();
        tr.quoted(java);
        tr.bare("-Xmx256m");
        tr.bare("-jar");
        tr.quoted(jar);
        tr.bare("monitor");
        job.config().ifPresent(c -> {
            tr.bare("--config");
            tr.quoted(c.toString());
        });
        for (String a : job.args()) {
            if (a.isEmpty() || a.contains(" ") || a.contains("\t")) {
                tr.quoted(a);
            } else {
                tr.bare(a);
            }
        }
        if (tr.received.length() > SCHTASKS_MAX_TR) {
            throw new IllegalArgumentException("the task's command is " + tr.received.length() + " characters, more than the "
                    + SCHTASKS_MAX_TR + " schtasks takes (expected: shorter paths, e.g. the jar in C:\\lifeline)");
        }

        String name = "\"" + WINDOWS_TASK + "\"";
        return "REM Lifeline monitor: checks the local LLM servers every " + Durations.format(job.every()) + " (Windows scheduled task).\n"
                + "REM Paste into Command Prompt (cmd.exe, not PowerShell), signed in as the user it should run as.\n"
                + "REM Windows has no lifeline launcher: the task runs the jar with javaw.exe, java without a console window.\n"
                + "REM It starts in C:\\Windows\\System32, which does not matter: all its paths are absolute.\n"
                + "REM It runs while you are signed in; add /RU DOMAIN\\user /RP to run it signed out too.\n"
                + "REM Task Scheduler skips a run while the last one is still going, and by default starts none on battery power.\n"
                + "REM Last exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN): schtasks /Query /TN " + name + " /V /FO LIST\n"
                + "REM Remove: schtasks /Delete /TN " + name + " /F\n"
                + "schtasks /Create /TN " + name + " /SC " + schedule[0] + " /MO " + schedule[1]
                + " /TR \"" + tr.typed + "\" /F\n";
    }

    /**
     * The {@code /TR} value twice: as typed into cmd.exe (inside {@code /TR "..."}) and as schtasks receives it, which
     * is what its length limit counts.
     */
    private static final class TaskCommand {
        final StringBuilder typed = new StringBuilder();
        final StringBuilder received = new StringBuilder();

        /** A word with nothing special to cmd or to the argument rules: it sits inside cmd's quotes as it is. */
        void bare(String word) {
            space();
            typed.append(word);
            received.append(word);
        }

        /** A word in {@code \"...\"}: outside cmd's quotes, so its {@code &|<>^} are escaped with {@code ^}. */
        void quoted(String word) {
            space();
            typed.append("\\\"").append(word.replaceAll("([&|<>^])", "^$1")).append("\\\"");
            received.append('"').append(word).append('"');
        }

        private void space() {
            if (!received.isEmpty()) {
                typed.append(' ');
                received.append(' ');
            }
        }
    }

    /** {@code MINUTE 5}, {@code HOURLY 2}, {@code DAILY 1}: the /SC and /MO that schtasks takes for {@code every}. */
    static String[] windowsSchedule(Duration every) {
        requirePositive(every);
        long minutes = every.toMinutes();
        if (every.equals(Duration.ofMinutes(minutes))) {
            if (minutes % 60 == 0 && minutes / 60 <= 23) {
                return new String[] {"HOURLY", String.valueOf(minutes / 60)};
            }
            if (minutes % 1440 == 0 && minutes / 1440 <= 365) {
                return new String[] {"DAILY", String.valueOf(minutes / 1440)};
            }
            if (minutes <= 1439) {
                return new String[] {"MINUTE", String.valueOf(minutes)};
            }
        }
        throw new IllegalArgumentException("Task Scheduler cannot run a task every " + Durations.format(every)
                + " (expected: 1 to 1439 whole minutes, whole hours up to 23h, or whole days)");
    }

    /** A Windows path the command can carry, as text. */
    private static String windowsPath(String what, Path path) {
        String p = path.toString();
        if (!p.matches("[A-Za-z]:\\\\.*|\\\\\\\\.*")) {
            throw new IllegalArgumentException(what + " " + p + " (expected: an absolute Windows path, such as C:\\lifeline\\lifeline.jar)");
        }
        if (p.contains("\"") || p.contains("%")) {
            throw new IllegalArgumentException(what + " " + p + " (expected: a path without \" or %: cmd.exe and Task Scheduler"
                    + " would read %...% as a variable)");
        }
        if (p.endsWith("\\")) {
            throw new IllegalArgumentException(what + " " + p + " (expected: a path that does not end in a backslash)");
        }
        return p;
    }

    // ---------------------------------------------------------------- shared

    /** A word for sh: as it is when it is plain, else in single quotes (a quote inside becomes {@code '\''}). */
    private static String sh(String word) {
        return UnitText.needsQuotes(word, "%") ? "'" + word.replace("'", "'\\''") + "'" : word;
    }

    private static void unixPath(String what, Path path) {
        if (!path.toString().startsWith("/")) {
            throw new IllegalArgumentException(what + " " + path + " (expected: an absolute path, such as /opt/lifeline/lifeline)");
        }
    }

    /** Every format here is line-based (or XML, which allows no control characters): refuse them all. */
    private static void plain(String what, String value) {
        for (char c : value.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(what + " " + shown(value)
                        + " (expected: no line breaks or other control characters)");
            }
        }
    }

    private static void requirePositive(Duration every) {
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("interval " + Durations.format(every) + " (expected: a positive interval, such as 5m)");
        }
    }

    /** A value in a message, with control characters made visible. */
    private static String shown(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
