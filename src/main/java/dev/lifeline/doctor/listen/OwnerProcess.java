package dev.lifeline.doctor.listen;

import java.util.Objects;
import java.util.Optional;

/**
 * A process that holds a listening socket or runs under a name we looked for.
 *
 * @param pid         its process id
 * @param name        the short name the OS shows ({@code comm} on Linux, at most 15 characters there; the image name
 *                    on Windows, with {@code .exe}); empty when the OS did not tell (a Windows process that
 *                    ended between {@code netstat} and {@code tasklist})
 * @param commandLine its arguments joined by spaces; empty when the OS does not show them (kernel threads, zombies,
 *                    Windows, where reading them costs a PowerShell start-up)
 * @param user        the account it runs as; empty when the platform does not say or the uid has no name
 */
public record OwnerProcess(long pid, String name, String commandLine, Optional<String> user) {
    public OwnerProcess {
        if (pid < 0) {
            throw new IllegalArgumentException("pid " + pid);
        }
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(user, "user");
    }

    /** {@code ollama (pid 812, user ollama)}: how a report names it. */
    public String describe() {
        return name + " (pid " + pid + user.map(u -> ", user " + u).orElse("") + ")";
    }
}
