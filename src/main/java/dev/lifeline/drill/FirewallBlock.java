package dev.lifeline.drill;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.os.Shell;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The firewall block of {@code lifeline drill --block firewall}: a real nftables rule on the gateway's machine that makes
 * the cloud endpoints unreachable for the drill, so the drill exercises the same failure the gateway sees in a real
 * outage (reference §6.5).
 *
 * <p>Why it is built this way:
 * <ul>
 * <li><b>Self-expiring.</b> The cloud addresses go into nft sets with {@code flags timeout}, each element added with
 * {@code timeout <duration>}. The kernel forgets them on its own, so a drill that crashes, is killed or loses its SSH
 * session cannot leave the gateway cut off from the cloud. {@link #lift} only ends it early.</li>
 * <li><b>Our own table</b>, {@code inet lifeline_drill}, with an output chain at {@code priority filter + 10}: it never
 * edits the rules of ufw, firewalld or Docker, and {@code nft delete table} removes every trace. nft tables are
 * independent, so an accept in another table (e.g. a front-end's {@code ct state established accept}) cannot undo
 * our reject.</li>
 * <li><b>Reject with TCP reset, also for established connections.</b> The gateway keeps keep-alive connections to the
 * cloud; a block that only stopped new connections would leave them working and would not be an outage. The rule has no
 * {@code ct state} match, so every packet the gateway sends to a blocked address is rejected, including the next request
 * (or the ACK of a streamed response) on a connection opened before the block, and the locally generated reset kills
 * that socket at once. A rule in the <em>input</em> direction is deliberately absent: dropping the cloud's answers would
 * only make the gateway hang until its own timeout, and a reset sent from input goes to the cloud, not to the gateway's
 * socket. The namespace tests prove the keep-alive case.</li>
 * <li><b>Refused, not timing out</b>: the drill measures how fast the gateway fails over on a fast failure, and a test
 * that waits for timeouts takes minutes.</li>
 * <li><b>Resolved just before the drill</b>: CDN addresses rotate, so A and AAAA records are looked up by
 * {@link #plan} and both families are blocked.</li>
 * </ul>
 *
 * @param targets  each host as given, with the addresses it resolved to (a literal address maps to itself), in order
 * @param ports    the TCP destination ports blocked, sorted
 * @param duration how long the block lasts before the kernel lifts it
 */
public record FirewallBlock(Map<String, List<InetAddress>> targets, List<Integer> ports, Duration duration) {
    /** The table; the {@code inet} family covers IPv4 and IPv6 in one chain. */
    public static final String TABLE = "lifeline_drill";
    public static final String SET_V4 = "blocked_v4";
    public static final String SET_V6 = "blocked_v6";
    /** HTTPS: every cloud AI API. Ports named in the cloud URLs are added by {@link #ports(Collection)}. */
    public static final int DEFAULT_PORT = 443;
    /** A drill is an exercise, not a maintenance window: anything longer is almost certainly a typo. */
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    /** nft keeps timeouts in milliseconds, but a block shorter than a second would be over before it is verified. */
    public static final Duration MIN_DURATION = Duration.ofSeconds(1);

    /** What a non-root user is told; the drill can still run with the gateway's admin switch instead of a firewall. */
    public static final String NOT_ROOT = "nft: Operation not permitted — run the drill with sudo, or use --block admin";
    public static final String NOT_INSTALLED = "nft is not installed — install nftables, or use --block admin";

    private static final Duration NFT_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    public FirewallBlock {
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("no hosts to block");
        }
        Map<String, List<InetAddress>> copy = new LinkedHashMap<>();
        targets.forEach((host, addresses) -> {
            if (addresses.isEmpty()) {
                throw new IllegalArgumentException(host + " has no addresses");
            }
            copy.put(host, List.copyOf(addresses));
        });
        targets = Collections.unmodifiableMap(copy);
        ports = List.copyOf(new TreeSet<>(ports));
        if (ports.isEmpty() || ports.getFirst() < 1 || ports.getLast() > 65535) {
            throw new IllegalArgumentException("ports must be 1..65535: " + ports);
        }
        if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("duration must be 1s..24h: " + duration);
        }
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Planning

    /**
     * Resolves {@code hosts} now (A and AAAA; a literal address stays as it is) and plans a block of their TCP
     * {@code ports} (443 when empty) for {@code duration}.
     *
     * @throws Failure when a host does not resolve (all such hosts are listed), or the ports or duration are out of range
     */
    public static FirewallBlock plan(List<String> hosts, List<Integer> ports, Duration duration) throws Failure {
        return plan(hosts, ports, duration, Resolver.SYSTEM);
    }

    /** {@link #plan(List, List, Duration)} with a resolver of the caller's (tests, or a resolver that skips caches). */
    public static FirewallBlock plan(List<String> hosts, List<Integer> ports, Duration duration, Resolver resolver)
            throws Failure {
        if (hosts.isEmpty()) {
            throw new Failure("no cloud hosts to block");
        }
        if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
            throw new Failure("the drill duration must be between 1s and 24h, not " + human(duration));
        }
        for (int port : ports) {
            if (port < 1 || port > 65535) {
                throw new Failure("not a TCP port: " + port);
            }
        }
        Map<String, List<InetAddress>> targets = new LinkedHashMap<>();
        List<String> unresolved = new ArrayList<>();
        for (String given : hosts) {
            String host = given.strip();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isEmpty() || targets.containsKey(host)) {
                continue;
            }
            try {
                List<InetAddress> addresses = isLiteral(host) ? List.of(InetAddress.getByName(host))
                        : resolver.resolve(host);
                Set<InetAddress> usable = new LinkedHashSet<>();
                for (InetAddress a : addresses) {
                    if (a.isAnyLocalAddress()) {
                        throw new Failure(given + " resolves to " + literal(a)
                                + ", which would block nothing useful: check the cloud URL");
                    }
                    usable.add(withoutScope(a));
                }
                if (usable.isEmpty()) {
                    unresolved.add(given);
                } else {
                    targets.put(host, List.copyOf(usable));
                }
            } catch (UnknownHostException e) {
                unresolved.add(given);
            }
        }
        if (!unresolved.isEmpty()) {
            throw new Failure("cannot resolve " + String.join(", ", unresolved)
                    + " — the drill needs the cloud's current addresses to block them");
        }
        if (targets.isEmpty()) {
            throw new Failure("no cloud hosts to block");
        }
        return new FirewallBlock(targets, ports.isEmpty() ? List.of(DEFAULT_PORT) : ports, duration);
    }

    /**
     * Plans a block of the cloud endpoints' hosts, on 443 and every port the URLs use (explicit, or 80 for plain
     * http), so that a cloud reached on an unusual port is cut off too.
     */
    public static FirewallBlock forUrls(Collection<URI> cloudUrls, Duration duration) throws Failure {
        List<String> hosts = new ArrayList<>();
        for (URI u : cloudUrls) {
            if (u.getHost() == null) {
                throw new Failure("cloud URL without a host: " + u);
            }
            hosts.add(u.getHost());
        }
        return plan(hosts, ports(cloudUrls), duration);
    }

    /** 443, plus the port of each URL (its explicit port, else its scheme's: 80 for http, 443 for https). */
    public static List<Integer> ports(Collection<URI> cloudUrls) {
        Set<Integer> ports = new TreeSet<>(List.of(DEFAULT_PORT));
        for (URI u : cloudUrls) {
            if (u.getPort() > 0) {
                ports.add(u.getPort());
            } else if ("http".equalsIgnoreCase(u.getScheme()) || "ws".equalsIgnoreCase(u.getScheme())) {
                ports.add(80);
            }
        }
        return List.copyOf(ports);
    }

    private static boolean isLiteral(String host) {
        return host.contains(":") || IPV4_LITERAL.matcher(host).matches();
    }

    /** A scope id ({@code %eth0}) means nothing to nft and would make the element a syntax error. */
    private static InetAddress withoutScope(InetAddress a) throws UnknownHostException {
        return a instanceof Inet6Address v6 && v6.getScopeId() != 0 ? InetAddress.getByAddress(a.getAddress()) : a;
    }

    /** Every address, without duplicates (two hosts behind one CDN address), IPv4 first. */
    public List<InetAddress> addresses() {
        Set<InetAddress> all = new LinkedHashSet<>();
        targets.values().forEach(all::addAll);
        List<InetAddress> out = new ArrayList<>(all.stream().filter(a -> a instanceof Inet4Address).toList());
        out.addAll(all.stream().filter(a -> a instanceof Inet6Address).toList());
        return List.copyOf(out);
    }

    private List<String> literals(Class<? extends InetAddress> family) {
        return addresses().stream().filter(family::isInstance).map(FirewallBlock::literal).toList();
    }

    /**
     * An address as nft prints it: IPv4 dotted, IPv6 in RFC 5952 form ({@code 2001:db8::7}, where Java would say
     * {@code 2001:db8:0:0:0:0:0:7}), so the script, the report and {@code nft list} agree.
     */
    public static String literal(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero word is not shortened (RFC 5952 4.2.2)
        for (int i = 0; i < 8; ) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(words[i]));
        }
        return sb.toString();
    }

    /**
     * The nft script, applied in one transaction by {@code nft -f}. The {@code table} / {@code delete table} prelude
     * makes applying it again replace the table instead of failing or doubling the rules (creating the table first
     * lets the delete succeed on the first run; {@code destroy table} needs nft 1.0.8). The elements are added after
     * the table so each carries its own timeout; the sets also get the duration as their default timeout, so an element
     * added by hand during the drill expires too.
     */
    public String script() {
        String portList = "{ " + String.join(", ", ports.stream().map(String::valueOf).toList()) + " }";
        String timeout = nftDuration(duration);
        StringBuilder sb = new StringBuilder();
        sb.append("# lifeline drill: block the cloud (").append(String.join(", ", targets.keySet()))
                .append(") on tcp ").append(portList).append(" for ").append(timeout).append("; expires on its own\n");
        sb.append("table inet ").append(TABLE).append('\n');
        sb.append("delete table inet ").append(TABLE).append('\n');
        sb.append("table inet ").append(TABLE).append(" {\n");
        sb.append("\tset ").append(SET_V4).append(" {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t\ttimeout ").append(timeout)
                .append("\n\t}\n");
        sb.append("\tset ").append(SET_V6).append(" {\n\t\ttype ipv6_addr\n\t\tflags timeout\n\t\ttimeout ").append(timeout)
                .append("\n\t}\n");
        sb.append("\tchain output {\n");
        sb.append("\t\ttype filter hook output priority filter + 10; policy accept;\n");
        sb.append("\t\tip daddr @").append(SET_V4).append(" tcp dport ").append(portList)
                .append(" counter reject with tcp reset\n");
        sb.append("\t\tip6 daddr @").append(SET_V6).append(" tcp dport ").append(portList)
                .append(" counter reject with tcp reset\n");
        sb.append("\t}\n}\n");
        for (var family : List.of(Map.entry(SET_V4, Inet4Address.class), Map.entry(SET_V6, Inet6Address.class))) {
            List<String> elements = literals(family.getValue());
            if (!elements.isEmpty()) {
                // an empty "{ }" is a syntax error, so a family without addresses gets no add element at all
                sb.append("add element inet ").append(TABLE).append(' ').append(family.getKey()).append(" { ")
                        .append(String.join(", ", elements.stream().map(e -> e + " timeout " + timeout).toList()))
                        .append(" }\n");
            }
        }
        return sb.toString();
    }

    /** nft's time syntax: whole seconds as {@code 90s}, otherwise milliseconds ({@code 1500ms}). */
    static String nftDuration(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Applying, lifting, status

    /**
     * Checks the script ({@code nft -c -f}), applies it atomically ({@code nft -f}) and verifies that every address is
     * in its set. A block that does not verify is lifted again, so the drill never runs half-blocked.
     *
     * @return what was blocked, for the drill report
     * @throws Failure when nft is missing, the user is not root, nft rejects the script, or the elements are not there
     */
    public Blocked apply(Shell shell) throws Failure {
        Shell nft = shell.withTimeout(NFT_TIMEOUT);
        Path file;
        try {
            // Shell gives commands /dev/null as stdin, so the script goes through a private file (0600 by default)
            file = Files.createTempFile("lifeline-drill-", ".nft");
            Files.writeString(file, script(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Failure("cannot write the nft script to a temporary file: " + e.getMessage());
        }
        try {
            expectOk(nft.run("nft", "-c", "-f", file.toString()), "nft rejected the drill rules");
            Instant applied = Instant.now();
            expectOk(nft.run("nft", "-f", file.toString()), "nft could not apply the drill rules");
            Status status = status(shell);
            Set<InetAddress> present = new LinkedHashSet<>();
            for (Element e : status.elements()) {
                if (isLiteral(e.address())) {
                    try {
                        present.add(InetAddress.getByName(e.address())); // a literal: parsed, never looked up
                    } catch (UnknownHostException ignored) {
                        // not an address; cannot be one of ours
                    }
                }
            }
            List<String> missing = addresses().stream().filter(a -> !present.contains(a)).map(FirewallBlock::literal)
                    .toList();
            if (!missing.isEmpty()) {
                lift(shell);
                throw new Failure("the drill block did not take: " + String.join(", ", missing)
                        + " missing from the nft sets after applying (block lifted again)");
            }
            return new Blocked(targets, ports, duration, applied, applied.plus(duration));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // a leftover 0600 file in the temp directory is harmless
            }
        }
    }

    /**
     * Ends the block now: {@code nft delete table inet lifeline_drill}.
     *
     * @return whether there was a table to delete (a block that already expired still leaves its empty table)
     * @throws Failure when nft is missing or the user is not root
     */
    public static boolean lift(Shell shell) throws Failure {
        Shell.Result r = shell.withTimeout(NFT_TIMEOUT).run("nft", "delete", "table", "inet", TABLE);
        if (r.ok()) {
            return true;
        }
        if (absent(r)) {
            return false;
        }
        throw failure(r, "nft could not delete table inet " + TABLE);
    }

    /**
     * Whether the drill table exists, which addresses it still blocks and for how long, and how many packets it has
     * rejected. Expired elements are not listed: the kernel no longer matches them.
     */
    public static Status status(Shell shell) throws Failure {
        Shell.Result r = shell.withTimeout(NFT_TIMEOUT).run("nft", "-j", "list", "table", "inet", TABLE);
        if (!r.ok()) {
            if (absent(r)) {
                return Status.ABSENT;
            }
            throw failure(r, "nft could not list table inet " + TABLE);
        }
        try {
            return Status.parse(JSON.readTree(r.stdout()));
        } catch (IOException | RuntimeException e) {
            throw new Failure("cannot read nft -j list table inet " + TABLE + ": " + e.getMessage());
        }
    }

    /** {@code Error: No such file or directory}: the table is not there, which for lift and status is an answer. */
    private static boolean absent(Shell.Result r) {
        return r.outcome() == Shell.Outcome.RAN && r.exitCode() != 0
                && r.stderr().toLowerCase(Locale.ROOT).contains("no such file or directory") && !r.notInstalled();
    }

    private static void expectOk(Shell.Result r, String what) throws Failure {
        if (!r.ok()) {
            throw failure(r, what);
        }
    }

    private static Failure failure(Shell.Result r, String what) {
        if (r.notInstalled()) {
            return new Failure(NOT_INSTALLED);
        }
        if (r.needsRoot()) {
            return new Failure(NOT_ROOT);
        }
        if (r.outcome() == Shell.Outcome.TIMED_OUT) {
            return new Failure(what + ": nft did not answer within " + NFT_TIMEOUT.toSeconds() + " s");
        }
        String detail = r.stderr().strip().lines().filter(l -> !l.isBlank()).findFirst().orElse("exit " + r.exitCode());
        return new Failure(what + ": " + detail);
    }

    // ----------------------------------------------------------------------------------------------------------------
    // Results

    /** Looks a host name up; separate so tests and callers can control resolution. */
    @FunctionalInterface
    public interface Resolver {
        /** The JVM's resolver: A and AAAA records through the system's getaddrinfo. */
        Resolver SYSTEM = host -> List.of(InetAddress.getAllByName(host));

        List<InetAddress> resolve(String host) throws UnknownHostException;
    }

    /**
     * What {@link #apply} blocked, for the drill report.
     *
     * @param targets   each host with the addresses blocked for it
     * @param appliedAt when the rules were loaded
     * @param expiresAt when the kernel lifts them on its own
     */
    public record Blocked(Map<String, List<InetAddress>> targets, List<Integer> ports, Duration duration,
                          Instant appliedAt, Instant expiresAt) {
        public Blocked {
            targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
            ports = List.copyOf(ports);
        }

        /** One line per host: {@code api.openai.com → 162.159.140.245, 2606:4700::6812:7b1 (tcp 443)}. */
        public List<String> lines() {
            String p = String.join(", ", ports.stream().map(String::valueOf).toList());
            return targets.entrySet().stream().map(e -> e.getKey() + " → "
                    + String.join(", ", e.getValue().stream().map(FirewallBlock::literal).toList())
                    + " (tcp " + p + ")").toList();
        }
    }

    /**
     * The drill table as nft sees it now.
     *
     * @param present         whether table {@code inet lifeline_drill} exists (it outlives its expired elements)
     * @param elements        the addresses still blocked
     * @param rejectedPackets packets the block has rejected so far (the gateway's attempts to reach the cloud)
     */
    public record Status(boolean present, List<Element> elements, long rejectedPackets) {
        public static final Status ABSENT = new Status(false, List.of(), 0);

        public Status {
            elements = List.copyOf(elements);
        }

        /** Whether traffic is blocked right now. */
        public boolean blocking() {
            return !elements.isEmpty();
        }

        /** How long until the last element expires; empty when nothing is blocked. */
        public Optional<Duration> remaining() {
            return elements.stream().map(Element::remaining).max(Duration::compareTo);
        }

        public String describe() {
            if (!present) {
                return "no drill block (table inet " + TABLE + " is absent)";
            }
            if (elements.isEmpty()) {
                return "drill block expired (table inet " + TABLE + " is empty; lift removes it)";
            }
            return "blocking " + elements.size() + " address" + (elements.size() == 1 ? "" : "es") + " for another "
                    + remaining().map(d -> d.toSeconds() + " s").orElse("?") + ", " + rejectedPackets
                    + " packets rejected so far";
        }

        /** Reads {@code nft -j list table inet lifeline_drill} (nft prints timeouts in whole seconds). */
        static Status parse(JsonNode root) {
            List<Element> elements = new ArrayList<>();
            long packets = 0;
            for (JsonNode item : root.path("nftables")) {
                JsonNode set = item.path("set");
                if (set.isObject() && (SET_V4.equals(set.path("name").asText()) || SET_V6.equals(set.path("name").asText()))) {
                    // nft leaves an element's timeout out when it equals the set's default timeout
                    long setTimeout = set.path("timeout").asLong(0);
                    JsonNode elem = set.path("elem");
                    for (JsonNode e : elem.isArray() ? elem : List.of(elem)) {
                        if (e.isMissingNode()) {
                            continue;
                        }
                        JsonNode inner = e.path("elem");
                        if (inner.isObject()) {
                            elements.add(new Element(inner.path("val").asText(),
                                    Duration.ofSeconds(inner.path("timeout").asLong(setTimeout)),
                                    Duration.ofSeconds(inner.path("expires").asLong())));
                        } else if (e.isTextual()) {
                            // no per-element data: only possible without any timeout, which our sets never have
                            elements.add(new Element(e.asText(), Duration.ofSeconds(setTimeout), Duration.ZERO));
                        }
                    }
                }
                for (JsonNode expr : item.path("rule").path("expr")) {
                    packets += expr.path("counter").path("packets").asLong(0);
                }
            }
            return new Status(true, elements, packets);
        }
    }

    /**
     * One blocked address.
     *
     * @param timeout   the timeout it was added with
     * @param remaining how long until the kernel removes it
     */
    public record Element(String address, Duration timeout, Duration remaining) {
    }

    /** Why the block could not be planned, applied or read, in one line for the user (never a stack trace). */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }
}
