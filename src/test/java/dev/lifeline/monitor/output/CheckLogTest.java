package dev.lifeline.monitor.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.config.MonitorConfig.LogFile;
import dev.lifeline.monitor.Report;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The log file keeps every run, whole and parseable, however runs overlap, and stays within its size. */
class CheckLogTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int CHECKS = SampleReports.warning().checks().size();

    @TempDir
    Path dir;

    /** The sample report under another host name, so each run's lines can be told apart. */
    static Report run(String host) {
        Report sample = SampleReports.warning();
        return new Report(host, sample.at(), sample.checks());
    }

    private static int runBytes() {
        return JsonFormat.logLines(run("run-10")).stream().mapToInt(l -> l.getBytes(StandardCharsets.UTF_8).length + 1).sum();
    }

    @Test
    void eachRunAppendsOneParseableLinePerCheck() throws IOException {
        Path file = dir.resolve("logs/monitor.log");
        CheckLog log = new CheckLog(new LogFile(file, 1_000_000, 3));

        for (int i = 1; i <= 3; i++) {
            log.append(run("run-" + i));
        }

        List<JsonNode> lines = parse(file);
        assertThat(lines).hasSize(3 * CHECKS);
        for (int i = 0; i < lines.size(); i++) {
            JsonNode line = lines.get(i);
            assertThat(line.get("host").asText()).isEqualTo("run-" + (i / CHECKS + 1));
            assertThat(line.get("check").asText()).isEqualTo(SampleReports.warning().checks().get(i % CHECKS).name());
        }
        assertThat(log.path()).isEqualTo(file.toAbsolutePath());
    }

    @Test
    void rotationKeepsExactlyKeepOldFilesAndTheNewestRunsLive() throws IOException {
        Path file = dir.resolve("monitor.log");
        // two runs fit, a third would pass the limit
        CheckLog log = new CheckLog(new LogFile(file, runBytes() * 5L / 2, 2));

        for (int i = 10; i < 20; i++) {
            log.append(run("run-" + i));
        }

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("monitor.log", "monitor.log.1", "monitor.log.2", "monitor.log.lock");
        }
        assertThat(hosts(file)).containsExactly("run-18", "run-19");
        assertThat(hosts(dir.resolve("monitor.log.1"))).containsExactly("run-16", "run-17");
        assertThat(hosts(dir.resolve("monitor.log.2"))).containsExactly("run-14", "run-15");
        assertThat(Files.size(file)).isLessThanOrEqualTo(runBytes() * 5L / 2);
    }

    @Test
    void keepingFewerFilesThanBeforeDeletesTheSurplus() throws IOException {
        Path file = dir.resolve("monitor.log");
        CheckLog wide = new CheckLog(new LogFile(file, runBytes(), 5));
        for (int i = 10; i < 16; i++) {
            wide.append(run("run-" + i));
        }
        assertThat(Files.exists(dir.resolve("monitor.log.5"))).isTrue();

        new CheckLog(new LogFile(file, runBytes(), 1)).append(run("run-16"));

        assertThat(hosts(file)).containsExactly("run-16");
        assertThat(hosts(dir.resolve("monitor.log.1"))).containsExactly("run-15");
        assertThat(dir.resolve("monitor.log.2")).doesNotExist();
        assertThat(dir.resolve("monitor.log.5")).doesNotExist();
    }

    @Test
    void keepingNoneStartsTheFileAfreshAndARunLargerThanTheLimitStaysWhole() throws IOException {
        Path file = dir.resolve("monitor.log");
        CheckLog log = new CheckLog(new LogFile(file, 100, 0));

        log.append(run("run-10"));
        log.append(run("run-11"));

        assertThat(hosts(file)).containsExactly("run-11");
        assertThat(parse(file)).hasSize(CHECKS);
        assertThat(dir.resolve("monitor.log.1")).doesNotExist();
    }

    @Test
    void threadsAndProcessesAppendingAtOnceNeitherInterleaveNorLoseLines() throws Exception {
        Path file = dir.resolve("monitor.log");
        int runs = 1000;                   // enough that all four writers overlap, and a log without locks fails here
        long maxBytes = runBytes() * 40L; // about a hundred rotations while they compete
        int keep = 1000;                  // nothing is deleted, so every line can be counted
        Path go = dir.resolve("go");
        List<Process> processes = new ArrayList<>();
        for (String tag : List.of("process-a", "process-b")) {
            processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), AppendingProcess.class.getName(),
                    file.toString(), String.valueOf(maxBytes), String.valueOf(keep), tag, String.valueOf(runs), go.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start());
        }
        try {
            for (Process p : processes) {
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    assertThat(out.readLine()).isEqualTo("ready");
                }
            }
            CheckLog log = new CheckLog(new LogFile(file, maxBytes, keep));
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> threads = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                for (String tag : List.of("thread-a", "thread-b")) {
                    threads.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < runs; i++) {
                            log.append(run(tag + "-" + i));
                        }
                        return null;
                    }));
                }
                Files.createFile(go);
                start.countDown();
                for (Future<?> t : threads) {
                    t.get(60, TimeUnit.SECONDS);
                }
            }
            for (Process p : processes) {
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isZero();
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }

        List<Path> files = new ArrayList<>();
        for (int n = keep; n >= 1; n--) {
            Path old = dir.resolve("monitor.log." + n);
            if (Files.exists(old)) {
                files.add(old);
            }
        }
        files.add(file);
        assertThat(files.size()).as("the log rotated while four writers competed").isGreaterThan(5);
        Set<String> seen = new HashSet<>();
        int total = 0;
        for (Path f : files) {
            List<JsonNode> lines = parse(f);
            assertThat(lines.size() % CHECKS).as("whole runs in " + f.getFileName()).isZero();
            for (int i = 0; i < lines.size(); i += CHECKS) {
                String host = lines.get(i).get("host").asText();
                for (int j = 0; j < CHECKS; j++) {
                    assertThat(lines.get(i + j).get("host").asText()).as("a run's lines stay together").isEqualTo(host);
                    assertThat(lines.get(i + j).get("check").asText()).isEqualTo(SampleReports.warning().checks().get(j).name());
                }
                assertThat(seen.add(host)).as(host + " written once").isTrue();
            }
            total += lines.size();
        }
        assertThat(total).isEqualTo(4 * runs * CHECKS);
        for (String tag : List.of("process-a", "process-b", "thread-a", "thread-b")) {
            for (int i = 0; i < runs; i++) {
                assertThat(seen).contains(tag + "-" + i);
            }
        }
    }

    @Test
    void anUnwritablePathSaysWhichAndWhatToDo() throws IOException {
        Path notADirectory = Files.writeString(dir.resolve("logs"), "a file where the directory should be");
        CheckLog log = new CheckLog(new LogFile(notADirectory.resolve("monitor.log"), 1000, 1));

        assertThatThrownBy(() -> log.append(run("run-1")))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith("cannot write the monitor log " + notADirectory.resolve("monitor.log") + ": ")
                .hasMessageContaining(notADirectory + " exists and is not a directory")
                .hasMessageContaining("writable by");
    }

    @Test
    void aSizeOrCountThatMakesNoSenseIsRefused() {
        assertThatThrownBy(() -> new CheckLog(new LogFile(dir.resolve("m.log"), 0, 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("more than 0 bytes");
        assertThatThrownBy(() -> new CheckLog(new LogFile(dir.resolve("m.log"), 1000, -1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot keep -1 old files");
    }

    @Test
    void aReportWithoutChecksWritesNothing() throws IOException {
        Path file = dir.resolve("monitor.log");

        new CheckLog(new LogFile(file, 1000, 1)).append(SampleReports.of());

        assertThat(file).doesNotExist();
    }

    private static List<String> hosts(Path file) {
        return parse(file).stream().map(l -> l.get("host").asText()).distinct().toList();
    }

    private static List<JsonNode> parse(Path file) {
        try {
            String text = Files.readString(file);
            assertThat(text).endsWith("\n");
            List<JsonNode> lines = new ArrayList<>();
            for (String line : text.split("\n")) {
                lines.add(MAPPER.readTree(line));
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
