package dev.lifeline.monitor.output;

import dev.lifeline.config.MonitorConfig.LogFile;
import dev.lifeline.monitor.Report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The monitor's history: one JSON line per check per run ({@link JsonFormat#logLines}), so "when did the GPU fall
 * back to the CPU last week?" has an answer ({@code jq 'select(.check=="gpu" and .status!="OK")' monitor.log}).
 *
 * <p>Runs from cron may overlap (a slow run still going when the next starts), and {@code --watch} may run beside
 * them, so each append holds an exclusive lock on a sibling {@code <name>.lock} file (a lock on the log itself would
 * not survive its rotation) and writes the run's lines in one write to a file opened for appending: a run's lines
 * stay together and none is lost. When the file would grow past {@code maxBytes}, it is rotated first, under the same
 * lock: {@code monitor.log} becomes {@code monitor.log.1}, {@code .1} becomes {@code .2} and so on, keeping
 * {@code keep} old files and deleting the oldest. The lock file is left in place: deleting it would let two runs
 * each lock a different file.
 */
public final class CheckLog {
    /** File locks are held per JVM, not per thread: threads of one process take turns here before locking the file. */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;
    private final long maxBytes;
    private final int keep;

    /**
     * @throws IllegalArgumentException when {@code maxBytes} is not positive or {@code keep} is negative
     */
    public CheckLog(LogFile config) {
        Objects.requireNonNull(config, "config");
        if (config.maxBytes() <= 0) {
            throw new IllegalArgumentException("the monitor log's maximum size must be more than 0 bytes, not " + config.maxBytes());
        }
        if (config.keep() < 0) {
            throw new IllegalArgumentException("the monitor log cannot keep " + config.keep() + " old files; 0 keeps none");
        }
        Path absolute = config.path().toAbsolutePath().normalize();
        if (absolute.getFileName() == null) {
            throw new IllegalArgumentException("the monitor log needs a file name, not " + config.path());
        }
        this.file = absolute;
        this.maxBytes = config.maxBytes();
        this.keep = config.keep();
    }

    /** The live file. */
    public Path path() {
        return file;
    }

    /**
     * Appends one line per check of the report (nothing when it has no checks), rotating first when they would take
     * the file past its maximum size; creates the directory when missing.
     *
     * @throws IOException naming the file and what to do, when it cannot be written
     */
    public void append(Report report) throws IOException {
        List<String> lines = JsonFormat.logLines(report);
        if (lines.isEmpty()) {
            return;
        }
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            Path dir = Files.createDirectories(file.getParent()).toRealPath();
            Path lockFile = dir.resolve(file.getFileName() + ".lock");
            ReentrantLock inProcess = IN_PROCESS.computeIfAbsent(lockFile, k -> new ReentrantLock());
            inProcess.lock();
            try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                lockChannel.lock(); // waits for another process's run; closing the channel releases it
                Path live = dir.resolve(file.getFileName());
                long size = Files.exists(live) ? Files.size(live) : 0;
                if (size > 0 && size + bytes.length > maxBytes) {
                    rotate(live); // a run larger than maxBytes on its own still goes whole into a fresh file
                }
                try (FileChannel out = FileChannel.open(live, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        out.write(buf);
                    }
                }
            } finally {
                inProcess.unlock();
            }
        } catch (IOException e) {
            throw new IOException("cannot write the monitor log " + file + ": " + Problems.reason(e) + ". Make sure "
                    + file.getParent() + " is a directory writable by " + Problems.user()
                    + ", or set the monitor's log to another path.", e);
        }
    }

    /** {@code log.(keep-1)} to {@code log.keep}, ..., {@code log} to {@code log.1}; whatever would pass {@code keep} is deleted. */
    private void rotate(Path live) throws IOException {
        int highest = 0;
        while (Files.exists(old(live, highest + 1))) {
            highest++;
        }
        for (int i = highest; i >= keep && i >= 1; i--) {
            Files.delete(old(live, i)); // the oldest, and any left from a larger keep before
        }
        for (int i = Math.min(highest, keep - 1); i >= 1; i--) {
            Files.move(old(live, i), old(live, i + 1), StandardCopyOption.ATOMIC_MOVE);
        }
        if (keep == 0) {
            Files.delete(live);
        } else {
            Files.move(live, old(live, 1), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static Path old(Path live, int n) {
        return live.resolveSibling(live.getFileName() + "." + n);
    }
}
