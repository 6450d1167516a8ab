package dev.lifeline.doctor.listen;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The processes found under the names asked for.
 *
 * @param found one entry per process and name it matched, by pid
 * @param notes what could not be seen and why; empty when every process could be read
 */
public record ProcessScan(List<RunningProcess> found, List<String> notes) {
    public ProcessScan {
        found = List.copyOf(found);
        notes = List.copyOf(notes);
    }

    /** The processes found under any of {@code names} (compared without case), each once, by pid. */
    public List<OwnerProcess> anyOf(Set<String> names) {
        Set<String> lower = ProcessNames.normalise(names);
        return found.stream()
                .filter(r -> lower.contains(r.matchedName().toLowerCase(Locale.ROOT)))
                .map(RunningProcess::process)
                .distinct()
                .toList();
    }
}
