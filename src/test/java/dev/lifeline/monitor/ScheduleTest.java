package dev.lifeline.monitor;

import dev.lifeline.monitor.Schedule.Job;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;

import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The scheduler recipes of {@code lifeline monitor schedule}: golden texts for a fixed job, the cron and Task Scheduler
 * intervals, and, for paths full of spaces and quotes, that each format hands the monitor exactly the arguments it was
 * given: cron's line is run through {@code sh}, the plist is parsed as XML, the unit files are read by
 * {@code systemd-analyze verify} (when the machine has it) and by the systemd quoting rules, and the Windows command by
 * the rules of cmd.exe and of Windows argument parsing.
 */
class ScheduleTest {
    /** Run with {@code -Dlifeline.updateGoldens=true} to rewrite the golden files from the current output. */
    private static final boolean UPDATE = Boolean.getBoolean("lifeline.updateGoldens");

    static final Job LINUX = Job.of(Path.of("/opt/lifeline/lifeline"), Path.of("/opt/lifeline/target/run/lifeline.jar"),
                    Path.of("/opt/lifeline"), Path.of("/home/alice"))
            .withJavaHome(Path.of("/usr/lib/jvm/temurin-25-jdk-amd64"))
            .withConfig(Path.of("/etc/lifeline/lifeline.yaml"))
            .withMailto("ops@example.com")
            .withUser("alice");

    static final Job MAC = Job.of(Path.of("/Users/alice/lifeline/lifeline"), Path.of("/Users/alice/lifeline/target/run/lifeline.jar"),
                    Path.of("/Users/alice/lifeline"), Path.of("/Users/alice"))
            .withJavaHome(Path.of("/Library/Java/JavaVirtualMachines/temurin-25.jdk/Contents/Home"))
            .withConfig(Path.of("/Users/alice/.config/lifeline/lifeline.yaml"));

    static final Job WINDOWS = Job.of(Path.of("C:\\lifeline\\lifeline"), Path.of("C:\\lifeline\\target\\run\\lifeline.jar"),
                    Path.of("C:\\lifeline"), Path.of("C:\\Users\\alice"))
            .withJavaHome(Path.of("C:\\Program Files\\Eclipse Adoptium\\jdk-25.0.1.8-hotspot"))
            .withConfig(Path.of("C:\\Users\\alice\\lifeline.yaml"));

    /** A config file name that every format has to quote: spaces, both quotes, $, %, backslash, ;, &, <, >. */
    static final String NASTY = "cfg 'single' \"double\" $HOME ${X} %h %% \\ ; & <a> `x`.yaml";

    @Nested
    class Goldens {
        @Test
        void cron() {
            golden("cron.txt", Schedule.cron(LINUX));
        }

        @Test
        void systemd() {
            golden("systemd.txt", Schedule.systemd(LINUX));
        }

        @Test
        void launchd() {
            golden("launchd.plist", Schedule.launchd(MAC));
        }

        @Test
        void windows() {
            golden("windows.txt", Schedule.windows(WINDOWS));
        }

        @Test
        void eachFormatByName() {
            assertThat(Schedule.recipe(Schedule.Format.CRON, LINUX)).isEqualTo(Schedule.cron(LINUX));
            assertThat(Schedule.recipe(Schedule.Format.SYSTEMD, LINUX)).isEqualTo(Schedule.systemd(LINUX));
            assertThat(Schedule.recipe(Schedule.Format.LAUNCHD, MAC)).isEqualTo(Schedule.launchd(MAC));
            assertThat(Schedule.recipe(Schedule.Format.WINDOWS, WINDOWS)).isEqualTo(Schedule.windows(WINDOWS));
        }

        private static void golden(String name, String actual) {
            Path file = Path.of("src/test/resources/monitor/schedule", name);
            if (UPDATE) {
                try {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, actual);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                return;
            }
            try (InputStream in = ScheduleTest.class.getResourceAsStream("/monitor/schedule/" + name)) {
                assertThat(in).as("golden file %s", name).isNotNull();
                assertThat(actual).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Nested
    class Cron {
        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                PT1M  | * * * * *
                PT5M  | */5 * * * *
                PT15M | */15 * * * *
                PT30M | */30 * * * *
                PT1H  | 0 * * * *
                PT60M | 0 * * * *
                PT2H  | 0 */2 * * *
                PT24H | 0 0 * * *
                """)
        void expressions(Duration every, String expected) {
            String expr = Schedule.cronExpression(every);
            assertThat(expr).isEqualTo(expected);
            assertFiresEvery(expr, every);
        }

        @ParameterizedTest
        @ValueSource(strings = {"PT2M", "PT3M", "PT4M", "PT6M", "PT10M", "PT12M", "PT20M", "PT3H", "PT4H", "PT6H", "PT8H", "PT12H"})
        void everyIntervalItAcceptsFiresAtEqualGaps(Duration every) {
            assertFiresEvery(Schedule.cronExpression(every), every);
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                PT7M   | cron cannot run a job every 7m (expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)
                PT90M  | cron cannot run a job every 90m (expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)
                PT25H  | cron cannot run a job every 25h (expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)
                PT48H  | cron cannot run a job every 48h (expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)
                PT30S  | cron cannot run a job every 30s (expected: minutes that divide 60, such as 1m, 5m, 15m, or whole hours that divide 24)
                PT0S   | interval 0s (expected: a positive interval, such as 5m)
                PT-5M  | interval -5m (expected: a positive interval, such as 5m)
                """)
        void intervalsCronCannotExpress(Duration every, String message) {
            assertThatThrownBy(() -> Schedule.cronExpression(every))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage(message);
        }

        @Test
        void theRecipeRefusesThemToo() {
            assertThatThrownBy(() -> Schedule.cron(LINUX.withEvery(Duration.ofMinutes(7))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("cron cannot run a job every 7m");
        }

        @Test
        void theEntryIsFiveValidFieldsAndACommand() {
            String entry = lastLine(Schedule.cron(LINUX));
            String[] fields = entry.split(" ", 6);
            assertFiresEvery(String.join(" ", List.of(fields).subList(0, 5)), Duration.ofMinutes(5));
            assertThat(fields[5]).isEqualTo("cd /opt/lifeline && JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 "
                    + "flock -n \"$HOME/.lifeline-monitor.lock\" /opt/lifeline/lifeline monitor --config /etc/lifeline/lifeline.yaml");
        }

        @Test
        void mailtoOnlyWhenGiven() {
            Job noMail = new Job(LINUX.launcher(), LINUX.jar(), LINUX.javaHome(), LINUX.config(), List.of(), LINUX.every(),
                    Optional.empty(), LINUX.workingDir(), LINUX.user(), LINUX.home());
            assertThat(Schedule.cron(noMail)).doesNotContain("\nMAILTO=").contains("# To have it mailed elsewhere");
            assertThat(Schedule.cron(LINUX)).contains("\nMAILTO=ops@example.com\n*/5 * * * * cd ");
        }

        @Test
        void everyNonCommentLineIsAnEnvironmentLineOrAnEntry() {
            for (String line : Schedule.cron(LINUX).split("\n")) {
                assertThat(line).matches("#.*|MAILTO=\\S+|(\\S+ ){5}cd .*");
            }
        }

        /**
         * The command, as cron hands it to sh (after its % processing), changes to the working directory and passes
         * every argument through unchanged, however it is spelled.
         */
        @Test
        void shGetsExactlyTheArguments(@TempDir Path tmp) throws Exception {
            Path dir = Files.createDirectories(tmp.resolve("it's \"odd\" $HOME %h & (dir)"));
            Path launcher = script(dir.resolve("life line"),
                    "{ pwd; printf '%s\\n' \"$JAVA_HOME\"; for a in \"$@\"; do printf '%s\\n' \"$a\"; done; } > \"$OUT\"\n");
            Path config = dir.resolve(NASTY);
            Job job = Job.of(launcher, dir.resolve("lifeline.jar"), dir, tmp)
                    .withJavaHome(dir.resolve("jdk 'x' %p"))
                    .withConfig(config)
                    .withArgs(List.of("--flag", "two words", "100%"));

            String[] fields = lastLine(Schedule.cron(job)).split(" ", 6);
            assertFiresEvery(String.join(" ", List.of(fields).subList(0, 5)), Duration.ofMinutes(5));
            String command = cronCommand(fields[5]);

            Path bin = Files.createDirectories(tmp.resolve("bin"));
            if (!onPath("flock")) { // a stand-in with the same arguments, so that the quoting is still proved
                script(bin.resolve("flock"), "shift 2\nexec \"$@\"\n");
            }
            Path out = tmp.resolve("out.txt");
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
            pb.environment().put("HOME", tmp.toString());
            pb.environment().put("OUT", out.toString());
            pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
            Process p = pb.start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(said).isZero();
            assertThat(Files.readAllLines(out)).containsExactly(dir.toString(), dir.resolve("jdk 'x' %p").toString(),
                    "monitor", "--config", config.toString(), "--flag", "two words", "100%");
        }

        @Test
        void aBackslashBeforeAPercentSignIsRefused() {
            assertThatThrownBy(() -> Schedule.cron(LINUX.withConfig(Path.of("/etc/a\\%b.yaml"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("cron cannot pass a backslash followed by %: ")
                    .hasMessageEndingWith(" (expected: paths and arguments without \"\\%\")");
        }

        /** cronie's and Vixie cron's rule: {@code \%} is a percent sign, an unescaped {@code %} ends the command. */
        private static String cronCommand(String field) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < field.length(); i++) {
                char c = field.charAt(i);
                if (c == '\\' && i + 1 < field.length() && field.charAt(i + 1) == '%') {
                    out.append('%');
                    i++;
                } else {
                    assertThat(c).as("unescaped %% in %s", field).isNotEqualTo('%');
                    out.append(c);
                }
            }
            return out.toString();
        }

        private static boolean onPath(String program) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                    return true;
                }
            }
            return false;
        }
    }

    @Nested
    class Systemd {
        @Test
        void theTimerRunsEveryInterval() {
            assertThat(Schedule.systemdTimer(LINUX)).contains("\nOnBootSec=1min\nOnUnitActiveSec=5min\nAccuracySec=30s\n")
                    .contains("\n[Install]\nWantedBy=timers.target\n");
            assertThat(Schedule.systemdTimer(LINUX.withEvery(Duration.ofHours(2)))).contains("\nOnUnitActiveSec=2h\n");
            assertThat(Schedule.systemdTimer(LINUX.withEvery(Duration.ofMinutes(90)))).contains("\nOnUnitActiveSec=90min\n");
            assertThat(Schedule.systemdTimer(LINUX.withEvery(Duration.ofSeconds(45)))).contains("\nOnUnitActiveSec=45s\n");
        }

        @Test
        void theServiceIsHardenedButKeepsTheNetworkAndItsDirectories() {
            Map<String, List<String>> service = unit(Schedule.systemdService(LINUX));
            assertThat(service.get("Type")).containsExactly("oneshot");
            assertThat(service.get("User")).containsExactly("alice");
            assertThat(service.get("SuccessExitStatus")).containsExactly("1");
            assertThat(service.get("NoNewPrivileges")).containsExactly("yes");
            assertThat(service.get("PrivateTmp")).containsExactly("yes");
            assertThat(service.get("ProtectSystem")).containsExactly("strict");
            assertThat(service.get("ProtectHome")).containsExactly("read-only");
            assertThat(service.get("StateDirectory")).containsExactly("lifeline");
            assertThat(service.get("LogsDirectory")).containsExactly("lifeline");
            assertThat(service.get("ReadWritePaths")).containsExactly("-/opt/lifeline/target/run");
            assertThat(service.get("Environment")).containsExactly("JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64", "XDG_STATE_HOME=%S");
            assertThat(service).doesNotContainKeys("PrivateNetwork", "RestrictAddressFamilies", "IPAddressDeny");
        }

        @Test
        void withoutUserItSaysItRunsAsRoot() {
            Job root = new Job(LINUX.launcher(), LINUX.jar(), LINUX.javaHome(), LINUX.config(), List.of(), LINUX.every(),
                    LINUX.mailto(), LINUX.workingDir(), Optional.empty(), LINUX.home());
            assertThat(Schedule.systemdService(root)).doesNotContain("User=");
            assertThat(Schedule.systemd(root)).contains("# The service runs as root;");
        }

        @Test
        void theRecipeWritesBothUnitsVerbatimAndEnablesTheTimer() {
            String recipe = Schedule.systemd(LINUX);
            assertThat(recipe).contains("sudo tee /etc/systemd/system/lifeline-monitor.service >/dev/null <<'LIFELINE_UNIT'\n"
                    + Schedule.systemdService(LINUX) + "LIFELINE_UNIT\n");
            assertThat(recipe).contains("sudo tee /etc/systemd/system/lifeline-monitor.timer >/dev/null <<'LIFELINE_UNIT'\n"
                    + Schedule.systemdTimer(LINUX) + "LIFELINE_UNIT\n");
            assertThat(recipe).contains("\nsudo systemctl daemon-reload && sudo systemctl enable --now lifeline-monitor.timer\n");
        }

        /** Read back by systemd's quoting rules, ExecStart and the paths are exactly what the job said. */
        @Test
        void pathsWithSpacesAndQuotesSurviveUnitSyntax() {
            Path dir = Path.of("/srv/my lifeline $HOME %h & (x)");
            Job job = Job.of(dir.resolve("life line"), dir.resolve("target/run/lifeline.jar"), dir, Path.of("/home/alice"))
                    .withJavaHome(Path.of("/opt/jdk \"25\" %v"))
                    .withConfig(dir.resolve(NASTY))
                    .withArgs(List.of("--flag", "two words", "$PATH"));
            Map<String, List<String>> service = unit(Schedule.systemdService(job));

            assertThat(execStart(service.get("ExecStart").getFirst())).containsExactly(dir.resolve("life line").toString(),
                    "monitor", "--config", dir.resolve(NASTY).toString(), "--flag", "two words", "$PATH");
            assertThat(unquote(service.get("Environment").getFirst(), false).getFirst()).isEqualTo("JAVA_HOME=/opt/jdk \"25\" %v");
            assertThat(unquote(service.get("ReadWritePaths").getFirst(), false)).containsExactly("-" + dir.resolve("target/run"));
            assertThat(service.get("WorkingDirectory").getFirst().replace("%%", "%")).isEqualTo(dir.toString());
        }

        @Test
        void aLauncherPathSystemdCannotRunIsRefused() {
            Job job = Job.of(Path.of("/opt/it's/lifeline"), LINUX.jar(), LINUX.workingDir(), LINUX.home());
            assertThatThrownBy(() -> Schedule.systemdService(job))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("systemd does not run a program whose path contains a quote or a backslash: /opt/it's/lifeline"
                            + " (expected: a plain path; a symbolic link to the launcher from one will do)");
        }

        /** The strongest check there is short of installing them; skipped where systemd-analyze is missing. */
        @Test
        void systemdAnalyzeVerifiesTheUnits(@TempDir Path tmp) throws Exception {
            Assumptions.assumeTrue(Cron.onPath("systemd-analyze"), "systemd-analyze is not installed");
            Path dir = Files.createDirectories(tmp.resolve("my lifeline $HOME %h & (x)"));
            Path launcher = script(dir.resolve("life line"), "exit 0\n");
            Job job = Job.of(launcher, dir.resolve("target/run/lifeline.jar"), dir, tmp)
                    .withJavaHome(dir.resolve("jdk \"25\" %v"))
                    .withConfig(dir.resolve(NASTY))
                    .withArgs(List.of("--flag", "two words", "$PATH"))
                    .withUser(System.getProperty("user.name"));
            for (Duration every : List.of(Duration.ofMinutes(5), Duration.ofHours(2), Duration.ofSeconds(90))) {
                Path units = Files.createDirectories(tmp.resolve("units-" + every.toSeconds()));
                Path service = Files.writeString(units.resolve(Schedule.SYSTEMD_SERVICE), Schedule.systemdService(job.withEvery(every)));
                Path timer = Files.writeString(units.resolve(Schedule.SYSTEMD_TIMER), Schedule.systemdTimer(job.withEvery(every)));

                Process p = new ProcessBuilder("systemd-analyze", "verify", "--man=no", service.toString(), timer.toString())
                        .redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                // Other units on the machine may draw warnings of their own; ours must draw none.
                assertThat(said.lines().filter(l -> l.contains("lifeline-monitor"))).as(said).isEmpty();
                assertThat(p.exitValue()).as(said).isZero();
            }
        }

        /** Key to values, in order, of a unit file's assignments; comments and section headers left out. */
        private static Map<String, List<String>> unit(String text) {
            Map<String, List<String>> out = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#") || line.startsWith("[")) {
                    continue;
                }
                int eq = line.indexOf('=');
                assertThat(eq).as("an assignment: %s", line).isPositive();
                assertThat(line).as("no line continuation").doesNotEndWith("\\");
                out.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
            return out;
        }

        /** ExecStart's words: unquoted, then %% and (in the arguments) $$ undone. */
        private static List<String> execStart(String value) {
            List<String> words = unquote(value, true);
            List<String> out = new ArrayList<>();
            for (int i = 0; i < words.size(); i++) {
                String w = words.get(i);
                assertThat(i > 0 ? w.replace("$$", "") : "").as("no variable in %s", w).doesNotContain("$");
                out.add(i > 0 ? w.replace("$$", "$") : w);
            }
            return out;
        }

        /**
         * systemd.syntax(7): items separated by whitespace, a quote opens an item only at its start, C escapes, and
         * then each {@code %%} is a percent sign (a lone % would be a specifier, which none of our values is).
         */
        private static List<String> unquote(String value, boolean allowDollars) {
            List<String> items = new ArrayList<>();
            int i = 0;
            while (i < value.length()) {
                if (value.charAt(i) == ' ') {
                    i++;
                    continue;
                }
                StringBuilder item = new StringBuilder();
                char quote = value.charAt(i) == '"' || value.charAt(i) == '\'' ? value.charAt(i) : 0;
                if (quote != 0) {
                    i++;
                }
                while (i < value.length()) {
                    char c = value.charAt(i);
                    if (quote != 0 && c == quote) {
                        i++;
                        assertThat(i == value.length() || value.charAt(i) == ' ').as("closing quote ends the item: %s", value).isTrue();
                        quote = 0;
                        break;
                    }
                    if (quote == 0 && (c == ' ' || c == '"' || c == '\'')) {
                        assertThat(c).as("quote inside an unquoted item: %s", value).isEqualTo(' ');
                        break;
                    }
                    if (c == '\\') {
                        char e = value.charAt(++i);
                        item.append(switch (e) {
                            case '\\', '"', '\'' -> e;
                            case 's' -> ' ';
                            default -> throw new AssertionError("escape \\" + e + " in " + value);
                        });
                    } else {
                        item.append(c);
                    }
                    i++;
                }
                assertThat((int) quote).as("unbalanced quotes in %s", value).isZero();
                String s = item.toString();
                assertThat(s.replace("%%", "")).as("a lone %% in %s", s).doesNotContain("%");
                items.add(s.replace("%%", "%"));
            }
            return items;
        }
    }

    @Nested
    class Launchd {
        @Test
        void thePlistIsWellFormedAndRunsEveryFiveMinutes() throws Exception {
            Map<String, Node> plist = plist(Schedule.launchd(MAC));
            assertThat(plist.get("Label").getTextContent()).isEqualTo("dev.lifeline.monitor");
            assertThat(plist.get("StartInterval").getNodeName()).isEqualTo("integer");
            assertThat(plist.get("StartInterval").getTextContent()).isEqualTo("300");
            assertThat(plist.get("RunAtLoad").getNodeName()).isEqualTo("true");
            assertThat(strings(plist.get("ProgramArguments"))).containsExactly("/Users/alice/lifeline/lifeline",
                    "monitor", "--config", "/Users/alice/.config/lifeline/lifeline.yaml");
            assertThat(plist.get("StandardOutPath").getTextContent()).isEqualTo("/Users/alice/Library/Logs/lifeline/monitor.log");
            assertThat(plist.get("StandardErrorPath").getTextContent()).isEqualTo("/Users/alice/Library/Logs/lifeline/monitor.log");
            assertThat(plist.get("WorkingDirectory").getTextContent()).isEqualTo("/Users/alice/lifeline");
            assertThat(strings(plist.get("EnvironmentVariables")))
                    .containsExactly("JAVA_HOME", "/Library/Java/JavaVirtualMachines/temurin-25.jdk/Contents/Home");
        }

        @Test
        void theIntervalIsInSeconds() throws Exception {
            assertThat(plist(Schedule.launchd(MAC.withEvery(Duration.ofHours(2)))).get("StartInterval").getTextContent()).isEqualTo("7200");
            assertThat(plist(Schedule.launchd(MAC.withEvery(Duration.ofSeconds(90)))).get("StartInterval").getTextContent()).isEqualTo("90");
        }

        @Test
        void theInstallCommandsAreInTheHeader() {
            assertThat(Schedule.launchd(MAC))
                    .contains("launchctl bootstrap gui/$(id -u) ~/Library/LaunchAgents/dev.lifeline.monitor.plist\n")
                    .contains("mkdir -p ~/Library/LaunchAgents ~/Library/Logs/lifeline\n");
        }

        /** Every value goes through XML escaping and comes back from the parser as it was. */
        @Test
        void pathsWithSpacesAndQuotesAreEscaped() throws Exception {
            Path dir = Path.of("/Users/al & \"ice\"/<lifeline> 'x'");
            Job job = Job.of(dir.resolve("life line"), dir.resolve("lifeline.jar"), dir, Path.of("/Users/al & \"ice\""))
                    .withJavaHome(dir.resolve("jdk <25> & 'more'"))
                    .withConfig(dir.resolve(NASTY))
                    .withArgs(List.of("--flag", "two words", "a]]>b"));
            Map<String, Node> plist = plist(Schedule.launchd(job));
            assertThat(strings(plist.get("ProgramArguments"))).containsExactly(dir.resolve("life line").toString(),
                    "monitor", "--config", dir.resolve(NASTY).toString(), "--flag", "two words", "a]]>b");
            assertThat(strings(plist.get("EnvironmentVariables"))).containsExactly("JAVA_HOME", dir.resolve("jdk <25> & 'more'").toString());
            assertThat(plist.get("WorkingDirectory").getTextContent()).isEqualTo(dir.toString());
            assertThat(plist.get("StandardOutPath").getTextContent()).isEqualTo("/Users/al & \"ice\"/Library/Logs/lifeline/monitor.log");
        }

        /** The top-level dict of a plist as key to value element, parsed by the JDK without fetching Apple's DTD. */
        private static Map<String, Node> plist(String text) throws Exception {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            DocumentBuilder b = f.newDocumentBuilder();
            b.setErrorHandler(null);
            Document doc = b.parse(new InputSource(new StringReader(text)));
            Element root = doc.getDocumentElement();
            assertThat(root.getTagName()).isEqualTo("plist");
            assertThat(doc.getDoctype().getPublicId()).isEqualTo("-//Apple//DTD PLIST 1.0//EN");
            List<Element> dicts = elements(root);
            assertThat(dicts).hasSize(1);
            List<Element> kv = elements(dicts.getFirst());
            Map<String, Node> out = new LinkedHashMap<>();
            for (int i = 0; i < kv.size(); i += 2) {
                assertThat(kv.get(i).getTagName()).isEqualTo("key");
                assertThat(out.put(kv.get(i).getTextContent(), kv.get(i + 1))).as("duplicate key").isNull();
            }
            return out;
        }

        private static List<String> strings(Node parent) {
            return elements(parent).stream().map(Node::getTextContent).toList();
        }

        private static List<Element> elements(Node parent) {
            List<Element> out = new ArrayList<>();
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    out.add(e);
                }
            }
            return out;
        }
    }

    @Nested
    class Windows {
        @ParameterizedTest
        @CsvSource(delimiter = '|', textBlock = """
                PT1M   | MINUTE | 1
                PT5M   | MINUTE | 5
                PT90M  | MINUTE | 90
                PT1H   | HOURLY | 1
                PT2H   | HOURLY | 2
                PT23H  | HOURLY | 23
                PT24H  | DAILY  | 1
                PT48H  | DAILY  | 2
                PT1439M | MINUTE | 1439
                """)
        void schedules(Duration every, String sc, String mo) {
            assertThat(Schedule.windowsSchedule(every)).containsExactly(sc, mo);
            assertThat(Schedule.windows(WINDOWS.withEvery(every))).contains(" /SC " + sc + " /MO " + mo + " /TR ");
        }

        @ParameterizedTest
        @ValueSource(strings = {"PT25H", "PT30S", "PT90S", "PT1441M"})
        void intervalsTaskSchedulerCannotExpress(Duration every) {
            assertThatThrownBy(() -> Schedule.windowsSchedule(every))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("Task Scheduler cannot run a task every ")
                    .hasMessageEndingWith("(expected: 1 to 1439 whole minutes, whole hours up to 23h, or whole days)");
        }

        /**
         * Through cmd.exe (quotes toggle, ^ escapes outside them), schtasks' argument parsing and then java's, the
         * program and the arguments are exactly what the job said.
         */
        @Test
        void pathsWithSpacesAndSpecialCharactersReachJavaUnchanged() {
            Job job = Job.of(Path.of("C:\\unused"), Path.of("C:\\Users\\R&D (x)\\life^line\\lifeline.jar"), Path.of("C:\\x"), Path.of("C:\\x"))
                    .withJavaHome(Path.of("C:\\Program Files\\Java <25> | jdk"))
                    .withConfig(Path.of("C:\\Users\\R&D (x)\\my config's.yaml"))
                    .withArgs(List.of("--flag", "two words", "a&b"));
            List<String> task = task(lastLine(Schedule.windows(job)));
            assertThat(task).containsExactly("C:\\Program Files\\Java <25> | jdk\\bin\\javaw.exe", "-Xmx256m", "-jar",
                    "C:\\Users\\R&D (x)\\life^line\\lifeline.jar", "monitor", "--config", "C:\\Users\\R&D (x)\\my config's.yaml",
                    "--flag", "two words", "a&b");
        }

        @Test
        void theGoldenCommandToo() {
            assertThat(task(lastLine(Schedule.windows(WINDOWS)))).containsExactly(
                    "C:\\Program Files\\Eclipse Adoptium\\jdk-25.0.1.8-hotspot\\bin\\javaw.exe", "-Xmx256m", "-jar",
                    "C:\\lifeline\\target\\run\\lifeline.jar", "monitor", "--config", "C:\\Users\\alice\\lifeline.yaml");
        }

        @Test
        void withoutJavaHomeJavawComesFromThePath() {
            Job job = Job.of(Path.of("C:\\unused"), Path.of("C:\\lifeline\\lifeline.jar"), Path.of("C:\\x"), Path.of("C:\\x"));
            assertThat(task(lastLine(Schedule.windows(job)))).containsExactly("javaw.exe", "-Xmx256m", "-jar",
                    "C:\\lifeline\\lifeline.jar", "monitor");
        }

        @Test
        void refusals() {
            Job ok = WINDOWS;
            assertThatThrownBy(() -> Schedule.windows(ok.withConfig(Path.of("C:\\%USERPROFILE%\\lifeline.yaml"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("config C:\\%USERPROFILE%\\lifeline.yaml (expected: a path without \" or %");
            assertThatThrownBy(() -> Schedule.windows(ok.withConfig(Path.of("C:\\a\"b.yaml"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("config C:\\a\"b.yaml (expected: a path without \" or %");
            assertThatThrownBy(() -> Schedule.windows(ok.withConfig(Path.of("lifeline.yaml"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("config lifeline.yaml (expected: an absolute Windows path, such as C:\\lifeline\\lifeline.jar)");
            assertThatThrownBy(() -> Schedule.windows(ok.withConfig(Path.of("C:\\" + "long folder name\\".repeat(12) + "x.yaml"))))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("more than the 261 schtasks takes");
        }

        /**
         * What the task runs, from the command line typed into cmd.exe: cmd toggles its quoting at every {@code "}
         * and drops a {@code ^} outside quotes (an unescaped {@code &|<>} there would end the command), schtasks
         * splits its arguments by the Windows rules, and the /TR value splits the same way into program and
         * arguments.
         */
        private static List<String> task(String typed) {
            StringBuilder line = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < typed.length(); i++) {
                char c = typed.charAt(i);
                if (c == '"') {
                    quoted = !quoted;
                } else if (!quoted && c == '^') {
                    c = typed.charAt(++i);
                } else if (!quoted) {
                    assertThat("&|<>%").as("unescaped %s outside quotes in %s", c, typed).doesNotContain(String.valueOf(c));
                }
                line.append(c);
            }
            assertThat(quoted).as("balanced quotes").isFalse();
            List<String> schtasks = windowsArgs(line.toString());
            assertThat(schtasks.subList(0, 7)).containsExactly("schtasks", "/Create", "/TN", "Lifeline Monitor", "/SC",
                    schtasks.get(5), "/MO");
            int tr = schtasks.indexOf("/TR");
            assertThat(schtasks.subList(tr + 2, schtasks.size())).containsExactly("/F");
            String command = schtasks.get(tr + 1);
            assertThat(command.length()).isLessThanOrEqualTo(261);
            return windowsArgs(command);
        }

        /** CommandLineToArgvW's rules: 2n backslashes + quote give n and toggle, 2n+1 give n and a quote. */
        private static List<String> windowsArgs(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder arg = null;
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (!quoted && (c == ' ' || c == '\t')) {
                    if (arg != null) {
                        out.add(arg.toString());
                        arg = null;
                    }
                    continue;
                }
                if (arg == null) {
                    arg = new StringBuilder();
                }
                if (c == '\\') {
                    int n = 0;
                    while (i < line.length() && line.charAt(i) == '\\') {
                        n++;
                        i++;
                    }
                    if (i < line.length() && line.charAt(i) == '"') {
                        arg.append("\\".repeat(n / 2));
                        if (n % 2 == 1) {
                            arg.append('"');
                        } else {
                            quoted = !quoted;
                        }
                    } else {
                        arg.append("\\".repeat(n));
                        i--;
                    }
                } else if (c == '"') {
                    quoted = !quoted;
                } else {
                    arg.append(c);
                }
            }
            assertThat(quoted).as("balanced quotes in %s", line).isFalse();
            if (arg != null) {
                out.add(arg.toString());
            }
            return out;
        }
    }

    @Nested
    class Jobs {
        @Test
        void defaults() {
            Job job = Job.of(Path.of("/a/lifeline"), Path.of("/a/lifeline.jar"), Path.of("/a"), Path.of("/home/a"));
            assertThat(job.every()).isEqualTo(Duration.ofMinutes(5));
            assertThat(job.config()).isEmpty();
            assertThat(job.args()).isEmpty();
            assertThat(Schedule.cron(job)).endsWith("\n*/5 * * * * cd /a && flock -n \"$HOME/.lifeline-monitor.lock\" /a/lifeline monitor\n");
        }

        @Test
        void lineBreaksAreRefusedEverywhere() {
            assertThatThrownBy(() -> LINUX.withConfig(Path.of("/etc/a\nb.yaml")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("config \"/etc/a\\u000ab.yaml\" (expected: no line breaks or other control characters)");
            assertThatThrownBy(() -> LINUX.withArgs(List.of("--x\r")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("monitor argument \"--x\\u000d\"");
        }

        @Test
        void mailtoAndUserAreChecked() {
            assertThatThrownBy(() -> LINUX.withMailto("ops@example.com, dev@example.com"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("MAILTO \"ops@example.com, dev@example.com\" (expected: email addresses separated by commas, without spaces or quotes)");
            assertThat(LINUX.withMailto("ops@example.com,dev@example.com").mailto()).contains("ops@example.com,dev@example.com");
            assertThatThrownBy(() -> LINUX.withUser("al ice"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("user \"al ice\" (expected: a user name or number, such as lifeline or 1000)");
        }

        @Test
        void intervals() {
            assertThatThrownBy(() -> LINUX.withEvery(Duration.ZERO)).hasMessage("interval 0s (expected: a positive interval, such as 5m)");
            assertThatThrownBy(() -> LINUX.withEvery(Duration.ofMinutes(-5))).hasMessage("interval -5m (expected: a positive interval, such as 5m)");
            assertThatThrownBy(() -> LINUX.withEvery(Duration.ofMillis(1500))).hasMessage("interval 1500ms (expected: whole seconds, such as 5m)");
        }

        @Test
        void unixFormatsWantAbsolutePaths() {
            Job relative = LINUX.withConfig(Path.of("lifeline.yaml"));
            for (Schedule.Format f : List.of(Schedule.Format.CRON, Schedule.Format.SYSTEMD, Schedule.Format.LAUNCHD)) {
                assertThatThrownBy(() -> Schedule.recipe(f, relative))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("config lifeline.yaml (expected: an absolute path, such as /opt/lifeline/lifeline)");
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    /**
     * Checks a five-field cron expression by a small parser (no cron syntax checker is needed on the machine): the
     * fields are {@code *}, {@code *}{@code /n} or a number in range, and over a day it fires at equal gaps of
     * {@code every}, the gap across midnight included.
     */
    static void assertFiresEvery(String expr, Duration every) {
        String[] f = expr.split(" ");
        assertThat(f).as("five fields: %s", expr).hasSize(5);
        assertThat(List.of(f[2], f[3], f[4])).as("day, month and weekday: every").containsOnly("*");
        List<Integer> minutes = field(f[0], 0, 59);
        List<Integer> hours = field(f[1], 0, 23);
        TreeSet<Integer> fires = new TreeSet<>();
        hours.forEach(h -> minutes.forEach(m -> fires.add(h * 60 + m)));
        List<Integer> times = new ArrayList<>(fires);
        times.add(times.getFirst() + 24 * 60);
        List<Integer> gaps = IntStream.range(1, times.size()).map(i -> times.get(i) - times.get(i - 1)).boxed().toList();
        assertThat(gaps).as("gaps between runs of %s", expr).containsOnly((int) every.toMinutes());
    }

    private static final Pattern STEP = Pattern.compile("\\*/(\\d+)");

    private static List<Integer> field(String field, int min, int max) {
        if (field.equals("*")) {
            return IntStream.rangeClosed(min, max).boxed().toList();
        }
        Matcher step = STEP.matcher(field);
        if (step.matches()) {
            int n = Integer.parseInt(step.group(1));
            assertThat(n).as("step in %s", field).isBetween(1, max);
            return IntStream.iterate(min, v -> v <= max, v -> v + n).boxed().toList();
        }
        assertThat(field).as("a cron field").matches("\\d+");
        int v = Integer.parseInt(field);
        assertThat(v).as("cron field %s", field).isBetween(min, max);
        return List.of(v);
    }

    private static String lastLine(String text) {
        List<String> lines = text.lines().toList();
        return lines.getLast();
    }

    private static Path script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }
}
