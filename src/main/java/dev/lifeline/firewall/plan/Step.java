package dev.lifeline.firewall.plan;

import java.util.List;
import java.util.Objects;

/**
 * One step of an apply or rollback sequence. Steps are data, not actions: the same plan is printed for a person to
 * review and later executed by Lifeline, and both must do exactly the same thing.
 *
 * <p>On Linux and macOS commands are argv lists run without a shell; on Windows they are a PowerShell cmdlet and its
 * parameters, run in one PowerShell session.
 */
public sealed interface Step {
    /** Why the step is there, as one comment line above it. */
    String why();

    /**
     * Run a command, which must succeed, possibly only under a {@link Guard}.
     *
     * @param argv  the command; on Windows a cmdlet followed by its {@code -Parameter value} pairs
     * @param guard when to run it: always, unless a check succeeds, or only if it does
     */
    record Run(String why, List<String> argv, Guard guard) implements Step {
        public Run {
            Objects.requireNonNull(why);
            argv = List.copyOf(argv);
            Objects.requireNonNull(guard);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("empty command");
            }
        }

        public Run(String why, List<String> argv) {
            this(why, argv, new Guard.Always());
        }
    }

    /**
     * Write {@code content} to {@code path}, creating its directory. Used for files a tool loads in one atomic
     * operation ({@code nft -f}, {@code iptables-restore}, {@code pfctl -f}).
     *
     * @param path a path on the machine the plan is for (not necessarily this one), hence a string
     */
    record WriteFile(String why, String path, String content) implements Step {
        public WriteFile {
            Objects.requireNonNull(why);
            Objects.requireNonNull(path);
            Objects.requireNonNull(content);
        }
    }

    /**
     * Lines of script in the plan's language, for what an argv cannot say (a pipeline, a loop over found rules).
     * Lifeline runs them with {@code sh -c} or in PowerShell. Kept rare on purpose.
     */
    record Script(String why, String text) implements Step {
        public Script {
            Objects.requireNonNull(why);
            Objects.requireNonNull(text);
        }
    }

    /**
     * When a {@link Run} runs. A check is an argv like a command; it "succeeds" when it exits 0, or in PowerShell when
     * it returns anything (cmdlets such as {@code Get-NetFirewallRule} signal absence by returning nothing).
     */
    sealed interface Guard {
        record Always() implements Guard {
        }

        /** Skip the command when the check succeeds: do not insert what is already there. */
        record Unless(List<String> check) implements Guard {
            public Unless {
                check = List.copyOf(check);
            }
        }

        /** Run the command only when the check succeeds: do not remove what is not there. */
        record OnlyIf(List<String> check) implements Guard {
            public OnlyIf {
                check = List.copyOf(check);
            }
        }
    }
}
