package dev.lifeline.monitor.output;

import dev.lifeline.config.MonitorConfig.LogFile;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A second process appending to the same log, as an overlapping cron run would: started by {@link CheckLogTest}
 * with {@code <log> <maxBytes> <keep> <tag> <runs> <go-file>}; says "ready", waits for the go file, then appends
 * {@code runs} reports whose host is {@code <tag>-<run>}.
 */
public final class AppendingProcess {
    private AppendingProcess() {
    }

    public static void main(String[] args) throws Exception {
        CheckLog log = new CheckLog(new LogFile(Path.of(args[0]), Long.parseLong(args[1]), Integer.parseInt(args[2])));
        String tag = args[3];
        int runs = Integer.parseInt(args[4]);
        Path go = Path.of(args[5]);
        System.out.println("ready");
        System.out.flush();
        while (!Files.exists(go)) {
            Thread.sleep(1);
        }
        for (int i = 0; i < runs; i++) {
            log.append(CheckLogTest.run(tag + "-" + i));
        }
    }
}
