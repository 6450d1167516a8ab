package dev.lifeline.probe;

/**
 * How a check came out, in the order of severity and with the exit codes that cron, systemd timers and
 * Nagios/Icinga read: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the check itself could not be made).
 */
public enum Status {
    OK(0), WARNING(1), CRITICAL(2), UNKNOWN(3);

    private final int exitCode;

    Status(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    /** The more severe of the two; UNKNOWN ranks below CRITICAL, as Nagios plugins rank it. */
    public Status worst(Status other) {
        return rank() >= other.rank() ? this : other;
    }

    public boolean isOk() {
        return this == OK;
    }

    private int rank() {
        return switch (this) {
            case OK -> 0;
            case WARNING -> 1;
            case UNKNOWN -> 2;
            case CRITICAL -> 3;
        };
    }
}
