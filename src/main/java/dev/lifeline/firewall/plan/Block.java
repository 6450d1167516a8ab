package dev.lifeline.firewall.plan;

/**
 * What happens to a connection from a source that is not allowed.
 *
 * <p>{@link #DROP} is the default. It makes the port look like every other closed port behind a default-deny
 * firewall, which is what internet-wide scans for exposed Ollama servers look past; and it is what ufw, Windows and
 * most default zones already do, so the port behaves like the rest of the machine. Its cost is that a client
 * left out by mistake hangs until its timeout (curl exit 28) instead of failing at once; {@code lifeline doctor}
 * recognises that signature. Choose {@link #REJECT} on a trusted LAN where quick, clear failures matter more.
 */
public enum Block {
    /** Discard silently: the client times out. */
    DROP,
    /** Answer with a TCP reset: the client sees "connection refused" at once. */
    REJECT;

    /** {@code drop (clients time out)}, for plan headers. */
    public String describe() {
        return this == DROP ? "drop (clients time out)" : "reject (clients are refused at once)";
    }
}
