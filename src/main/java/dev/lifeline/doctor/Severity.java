package dev.lifeline.doctor;

/** How bad a finding is, in order, with the exit code {@code lifeline doctor} ends with when it is the worst one. */
public enum Severity {
    /** Checked and fine. */
    OK(0),
    /** Worth knowing, nothing to fix (running in WSL, a check skipped for want of rights). */
    INFO(0),
    /** Works, but is a trap or a risk: fix it before it bites. */
    WARN(1),
    /** Broken or exposed: this is why it does not work, or why strangers can use it. */
    FAIL(2);

    private final int exitCode;

    Severity(int exitCode) {
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }

    public Severity worst(Severity other) {
        return compareTo(other) >= 0 ? this : other;
    }

    /** The word printed in the report: {@code ok}, {@code info}, {@code warn}, {@code fail}. */
    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
