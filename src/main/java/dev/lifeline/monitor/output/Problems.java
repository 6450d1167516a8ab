package dev.lifeline.monitor.output;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Turns the JDK's terse file errors ("/var/log/x") into a reason a person can act on. */
final class Problems {
    private Problems() {
    }

    /** {@code permission denied}, {@code /var/log/lifeline is a file, not a directory}, {@code No space left on device}... */
    static String reason(IOException e) {
        if (e instanceof AccessDeniedException a) {
            return "permission denied" + on(a);
        }
        if (e instanceof FileAlreadyExistsException a) {
            return a.getFile() + " exists and is not a directory";
        }
        if (e instanceof NotDirectoryException a) {
            return a.getFile() + " is not a directory";
        }
        if (e instanceof NoSuchFileException a) {
            return "no such file or directory" + on(a);
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + on(f);
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The user the files are written as, for "writable by ..." advice. */
    static String user() {
        return System.getProperty("user.name", "the user running lifeline");
    }

    private static String on(FileSystemException e) {
        return e.getFile() == null ? "" : " (" + e.getFile() + ")";
    }
}
