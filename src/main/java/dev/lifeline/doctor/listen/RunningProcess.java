package dev.lifeline.doctor.listen;

import java.util.Objects;

/**
 * A process that goes by one of the names asked for.
 *
 * @param matchedName the name it was found under, as it was asked for ({@code vllm} for {@code python3 -m vllm.entrypoints...})
 * @param process     the process
 */
public record RunningProcess(String matchedName, OwnerProcess process) {
    public RunningProcess {
        Objects.requireNonNull(matchedName, "matchedName");
        Objects.requireNonNull(process, "process");
    }
}
