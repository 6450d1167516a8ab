/**
 * Who listens on a TCP port, on which addresses, as which user, and whether a model server's process runs at all.
 *
 * <p>"Connection refused" has a handful of causes a person cannot tell apart from the error alone: nothing runs, the
 * server runs but listens on another port, it listens on {@code 127.0.0.1} while the client dials {@code ::1} (or the
 * other way round), or another program took the port. This package answers with data, not verdicts: {@link
 * dev.lifeline.doctor.listen.Listeners} returns {@link dev.lifeline.doctor.listen.ListenerScan}s and {@link
 * dev.lifeline.doctor.listen.ProcessScan}s, and the doctor turns them into findings.
 *
 * <p>Nothing here throws for what the machine does not let us see: a missing tool, a denied {@code /proc/PID/fd} or an
 * unparsable line becomes a note the user can read, so the doctor says what it could not check instead of guessing.
 */
package dev.lifeline.doctor.listen;
