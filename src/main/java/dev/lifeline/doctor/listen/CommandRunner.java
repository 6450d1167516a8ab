package dev.lifeline.doctor.listen;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs {@code lsof}, {@code ps}, {@code netstat} or {@code tasklist} with a bounded wait. These tools may be missing,
 * slow (lsof stats every mount, a hung NFS one makes it hang) or refused, and the doctor must still answer: every way
 * a command can fail is an {@link Outcome}, never an exception.
 */
final class CommandRunner {
    /** lsof on a busy Mac takes a few hundred milliseconds; a doctor that waits longer per port feels stuck. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);

    private final Duration timeout;

    CommandRunner(Duration timeout) {
        this.timeout = timeout;
    }

    CommandRunner() {
        this(DEFAULT_TIMEOUT);
    }

    /** How a command ended. */
    sealed interface Outcome {
        /** It ran to its end; the exit code is the tool's to interpret (lsof exits 1 when nothing matches). */
        record Exited(int exitCode, String stdout, String stderr) implements Outcome {
            String firstErrorLine() {
                return stderr.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("no message");
            }
        }

        /** It did not run or did not finish; {@code note} says which, for the user. */
        record Failed(String note) implements Outcome {
        }
    }

    Outcome run(String... command) {
        return run(List.of(command));
    }

    Outcome run(List<String> command) {
        String shown = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            // the JDK's words for a missing binary differ by OS ("error=2, No such file or directory",
            // "CreateProcess error=2"): pass them on rather than guess
            return new Outcome.Failed("could not run " + command.getFirst() + " (" + e.getMessage() + ")");
        }
        Charset charset = Charset.forName(System.getProperty("native.encoding", "UTF-8"), Charset.defaultCharset());
        CompletableFuture<String> out = drain(process.getInputStream(), charset);
        CompletableFuture<String> err = drain(process.getErrorStream(), charset);
        try {
            process.getOutputStream().close();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new Outcome.Failed(shown + " did not finish within " + seconds(timeout) + " and was stopped");
            }
            return new Outcome.Exited(process.exitValue(), collect(out, shown), collect(err, shown));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return new Outcome.Failed(shown + " was interrupted");
        } catch (IOException | ReadFailure e) {
            process.destroyForcibly();
            return new Outcome.Failed("could not read the output of " + shown + " (" + e.getMessage() + ")");
        }
    }

    private static CompletableFuture<String> drain(InputStream in, Charset charset) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofVirtual().name("listen-drain").start(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), charset));
            } catch (IOException e) {
                text.completeExceptionally(e);
            }
        });
        return text;
    }

    /** The process has exited; a child it left behind may still hold the pipe, so do not wait for that forever. */
    private static String collect(CompletableFuture<String> text, String shown) throws InterruptedException {
        try {
            return text.get(500, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new ReadFailure(String.valueOf(e.getCause().getMessage()));
        } catch (TimeoutException e) {
            throw new ReadFailure(shown + " exited but its output stayed open");
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    private static final class ReadFailure extends RuntimeException {
        ReadFailure(String message) {
            super(message);
        }
    }
}
