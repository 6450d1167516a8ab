package dev.lifeline.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs one external command with a bounded wait and captures what it printed. The tools the doctor, the firewall
 * commands and the drill call (lsof, netstat, nft, ufw, firewall-cmd...) are optional and often need root, so every
 * outcome (missing binary, permission error, hang) is a {@link Result}, never an exception: what could not be read is
 * reported instead of crashing.
 *
 * <p>A shell has a <em>command prefix</em> that is put in front of every command, e.g. {@code ip netns exec srv} or a
 * wrapper that gives ufw a private {@code /etc}. Tests use it to run the very same detection inside a network namespace;
 * production uses {@link #local()} with no prefix.
 */
public final class Shell {
    /** What tools print in: the system's own encoding (a Windows console code page, UTF-8 elsewhere). */
    private static final java.nio.charset.Charset OUTPUT = java.nio.charset.Charset.forName(
            System.getProperty("native.encoding", "UTF-8"), StandardCharsets.UTF_8);

    /** Long enough for {@code firewall-cmd} (a Python start-up plus a D-Bus round trip), short enough for a CLI. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(3);

    private final List<String> prefix;
    private final Duration timeout;

    private Shell(List<String> prefix, Duration timeout) {
        this.prefix = List.copyOf(prefix);
        this.timeout = timeout;
    }

    /** Runs commands as they are, on this machine. */
    public static Shell local() {
        return new Shell(List.of(), DEFAULT_TIMEOUT);
    }

    /** Runs every command behind {@code prefix} (which ends where the command's own argv begins). */
    public static Shell prefixed(List<String> prefix) {
        return new Shell(prefix, DEFAULT_TIMEOUT);
    }

    public Shell withTimeout(Duration newTimeout) {
        return new Shell(prefix, newTimeout);
    }

    public List<String> prefix() {
        return prefix;
    }

    /** Runs {@code command} (argv, no shell parsing) and waits at most the timeout. */
    public Result run(String... command) {
        return run(List.of(command));
    }

    public Result run(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("empty command");
        }
        List<String> argv = new ArrayList<>(prefix);
        argv.addAll(command);
        String name = command.getFirst();
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            // ProcessBuilder cannot find the first argv element: with no prefix that is the tool itself.
            return new Result(name, -1, "", String.valueOf(e.getMessage()), Outcome.NOT_INSTALLED);
        }
        try {
            // no input: a command that reads stdin sees its end at once (closing works on every OS; /dev/null does not)
            process.getOutputStream().close();
        } catch (IOException e) {
            // it exited already
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new Result(name, -1, "", "interrupted", Outcome.TIMED_OUT);
        }
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String stdout = collect(out);
        String stderr = collect(err);
        if (!finished) {
            return new Result(name, -1, stdout, stderr, Outcome.TIMED_OUT);
        }
        int rc = process.exitValue();
        return new Result(name, rc, stdout, stderr, missing(name, rc, stderr) ? Outcome.NOT_INSTALLED : Outcome.RAN);
    }

    /**
     * A wrapper reports a missing tool in its own words: {@code ip netns exec} says {@code exec of "nft" failed: No such
     * file or directory}, {@code sh} exits 127, {@code setpriv} says {@code failed to execute nft}.
     */
    private static boolean missing(String name, int rc, String stderr) {
        if (rc == 127) {
            return true;
        }
        String e = stderr.toLowerCase(Locale.ROOT);
        return (rc == 255 || rc == 126 || rc == 1)
                && (e.contains("exec of \"" + name.toLowerCase(Locale.ROOT) + "\" failed")
                        || e.contains("failed to execute " + name.toLowerCase(Locale.ROOT)))
                && e.contains("no such file");
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> result = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), OUTPUT));
            } catch (IOException e) {
                result.complete("");
            }
        });
        return result;
    }

    /** A daemon the command started may keep the pipe open: wait a little, then give up on the rest. */
    private static String collect(CompletableFuture<String> stream) {
        try {
            return stream.get(500, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        } catch (ExecutionException e) {
            throw new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    /** How a command ended. */
    public enum Outcome {
        /** It ran and exited; look at the exit code. */
        RAN,
        /** The binary does not exist here. */
        NOT_INSTALLED,
        /** It did not finish within the timeout and was killed. */
        TIMED_OUT
    }

    /**
     * What one command did.
     *
     * @param command  the tool's name (argv[0] without the prefix), for messages
     * @param exitCode the exit code, -1 when it did not run or was killed
     */
    public record Result(String command, int exitCode, String stdout, String stderr, Outcome outcome) {
        public boolean ok() {
            return outcome == Outcome.RAN && exitCode == 0;
        }

        public boolean notInstalled() {
            return outcome == Outcome.NOT_INSTALLED;
        }

        /** It ran to its end: the exit code is the tool's to interpret (lsof exits 1 when nothing matches). */
        public boolean ran() {
            return outcome == Outcome.RAN;
        }

        /** The first line the tool wrote to stderr, or {@code no message}. */
        public String firstErrorLine() {
            String line = firstLine(stderr);
            return line.isEmpty() ? "no message" : line;
        }

        /** The tool ran but said it needs root ("Operation not permitted", "Permission denied", "need to be root"). */
        public boolean needsRoot() {
            String text = (stderr + "\n" + stdout).toLowerCase(Locale.ROOT);
            return outcome == Outcome.RAN && exitCode != 0 && (text.contains("operation not permitted")
                    || text.contains("permission denied") || text.contains("must be root")
                    || text.contains("need to be root") || text.contains("authorization failed")
                    || text.contains("access denied"));
        }

        public List<String> lines() {
            return stdout.lines().toList();
        }

        /** Why this result has no usable output, in one line for a report. */
        public String problem() {
            return switch (outcome) {
                case NOT_INSTALLED -> command + " is not installed";
                case TIMED_OUT -> command + " did not answer within the timeout";
                case RAN -> needsRoot()
                        ? command + ": " + firstLine(stderr.isBlank() ? stdout : stderr) + " — run with sudo"
                        : command + " exited " + exitCode + (stderr.isBlank() ? "" : ": " + firstLine(stderr));
            };
        }

        private static String firstLine(String text) {
            return text.strip().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst().orElse("").strip();
        }
    }
}
