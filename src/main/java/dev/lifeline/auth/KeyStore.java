package dev.lifeline.auth;

import dev.lifeline.config.Security;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The API keys of one key file.
 *
 * <p>Tokens are {@code ll_<id>_<secret>}: the 8-character id finds the key, the secret (32 bytes from
 * {@link SecureRandom}, base64url without padding, 43 characters) proves it. The file keeps only
 * {@code sha256:<hex>} of the secret's characters, and a token is only ever returned once, by {@link #create} or
 * {@link #rotate}. The secret has 256 random bits, so a fast hash is enough: there is nothing to brute-force.
 *
 * <p>Reads ({@link #authenticate}, {@link #list}, ...) use an immutable snapshot and never block. Changes hold an
 * in-process lock and an exclusive lock on {@code <file>.lock}, re-read the file under it (so concurrent
 * {@code lifeline keys} runs lose nothing), then replace the file atomically: a new {@code 0600} file in the same
 * directory, forced to disk, renamed over the old one, and the directory forced too. A crash leaves either the old
 * file or the new one, at worst with a stray {@code .<file>.<random>.tmp} that readers never look at (the next change
 * removes it).
 *
 * <p>A server calls {@link #reloadIfChanged} now and then; it costs one {@code stat} unless the file changed.
 */
public final class KeyStore {
    /** One lock per key file for this JVM: file locks are per process, so threads must queue before taking one. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final int SECRET_BYTES = 32;
    private static final int SECRET_CHARS = 43;
    private static final int TOKEN_LENGTH = ApiKey.TOKEN_PREFIX.length() + 8 + 1 + SECRET_CHARS;
    private static final Pattern TEMP = Pattern.compile("\\.(.+)\\.[0-9a-f]{16}\\.tmp");
    /** Compared against when a token's id is unknown, so that an unknown id costs what a wrong secret does. */
    private static final byte[] NO_DIGEST = new byte[32];
    private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_RWX = PosixFilePermissions.fromString("rwx------");

    /** A key with the token that authenticates it; the only time the token exists outside the client. */
    public record Created(ApiKey key, String token) {
        public Created {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(token, "token");
        }

        @Override
        public String toString() {
            return "Created[key=" + key + ", token=ll_" + key.id() + "_(hidden)]";
        }
    }

    /** What {@link #reloadIfChanged} did. */
    public sealed interface Reload {
        /** The file is as last seen (or is broken in the same way as last reported). */
        record Unchanged() implements Reload {
        }

        /** The file changed and was read: it now has {@code keys} keys ({@code active} of them active). */
        record Reloaded(int keys, int active) implements Reload {
        }

        /** The file changed but cannot be used; the previous keys stay in force. Reported once per change of the file. */
        record Failed(String problem) implements Reload {
        }
    }

    private record Stamp(boolean exists, long size, FileTime modified, Object fileKey) {
        static final Stamp MISSING = new Stamp(false, -1, FileTime.fromMillis(0), null);
        static final Stamp UNREADABLE = new Stamp(false, -2, FileTime.fromMillis(0), null);
    }

    private record Entry(ApiKey key, byte[] digest) {
    }

    private record State(List<ApiKey> keys, Map<String, Entry> byId, Stamp stamp, Optional<String> permissionWarning) {
        static State of(List<ApiKey> keys, Stamp stamp, Optional<String> warning) {
            Map<String, Entry> byId = new LinkedHashMap<>();
            for (ApiKey k : keys) {
                byId.put(k.id(), new Entry(k, HexFormat.of().parseHex(k.hash().substring("sha256:".length()))));
            }
            return new State(List.copyOf(keys), Map.copyOf(byId), stamp, warning);
        }
    }

    private final Path file;
    private final Object reloadLock = new Object();
    private volatile State state;
    private volatile Optional<String> problem = Optional.empty();
    private Stamp failedStamp;

    private KeyStore(Path file, State state) {
        this.file = file;
        this.state = state;
    }

    // ------------------------------------------------------------------ opening

    /**
     * Reads {@code file}. A missing file is an empty store (the first {@link #create} makes it); a file that exists
     * but cannot be read or used is an {@link IOException} naming it ({@link KeyFileException} for bad content),
     * never an empty store.
     */
    public static KeyStore open(Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        return new KeyStore(file, load(file));
    }

    /**
     * Where the keys live: {@code $LIFELINE_KEYS_FILE}, else {@code $XDG_CONFIG_HOME/lifeline/keys.json} (when that is
     * an absolute path, as the XDG spec asks), else {@code $HOME/.config/lifeline/keys.json}.
     */
    public static Path defaultPath(Map<String, String> env) {
        return Security.defaultKeysFile(env); // one definition for `lifeline keys` and `lifeline serve`
    }


    public Path file() {
        return file;
    }

    /**
     * Present when the file can be read by others than its owner (group or other permission bits): the file holds no
     * secrets, but its hashes and limits are nobody else's business. The next change rewrites it as {@code 0600}.
     */
    public Optional<String> permissionWarning() {
        return state.permissionWarning();
    }

    /** Why the last {@link #reloadIfChanged} could not use the file, while the previous keys stay in force. */
    public Optional<String> problem() {
        return problem;
    }

    // ------------------------------------------------------------------ reading

    /** Every key in the file, in the order they were made, revoked and expired ones included. */
    public List<ApiKey> list() {
        return state.keys();
    }

    /**
     * Whether the file has no keys at all. Deliberately not "no active keys": a gateway that turns authentication on
     * once keys exist must not turn it off again because the last key was revoked or expired; it fails closed.
     */
    public boolean isEmpty() {
        return state.keys().isEmpty();
    }

    /** How many keys are neither revoked nor expired at {@code now}. */
    public int activeCount(Instant now) {
        return (int) state.keys().stream().filter(k -> k.activeAt(now)).count();
    }

    /** The key with this id, or else the key with this name (the unrevoked one if there is one, else the newest). */
    public Optional<ApiKey> find(String idOrName) {
        return find(state.keys(), idOrName);
    }

    /**
     * Checks a client's token: by its id, then the SHA-256 of its secret compared in constant time. Revoked and
     * expired only come back for the right secret; a wrong one is {@link Authentication.Unknown}.
     */
    public Authentication authenticate(String token, Instant now) {
        if (token == null || token.isEmpty()) {
            return new Authentication.Malformed("empty");
        }
        if (!token.startsWith(ApiKey.TOKEN_PREFIX)) {
            return new Authentication.Malformed("does not start with " + ApiKey.TOKEN_PREFIX);
        }
        if (token.length() != TOKEN_LENGTH) {
            return new Authentication.Malformed("not " + TOKEN_LENGTH + " characters long");
        }
        int sep = ApiKey.TOKEN_PREFIX.length() + 8;
        String id = token.substring(ApiKey.TOKEN_PREFIX.length(), sep);
        if (!Rules.ID.matcher(id).matches() || token.charAt(sep) != '_') {
            return new Authentication.Malformed("no id after " + ApiKey.TOKEN_PREFIX);
        }
        String secret = token.substring(sep + 1);
        for (int i = 0; i < secret.length(); i++) {
            char c = secret.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return new Authentication.Malformed("the secret is not base64url");
            }
        }
        byte[] digest = sha256(secret);
        Entry e = state.byId().get(id);
        boolean match = MessageDigest.isEqual(e == null ? NO_DIGEST : e.digest(), digest);
        if (e == null || !match) {
            return Authentication.UNKNOWN;
        }
        ApiKey k = e.key();
        if (k.isRevoked()) {
            return new Authentication.Revoked(k);
        }
        if (k.expiredAt(now)) {
            return new Authentication.Expired(k);
        }
        return new Authentication.Valid(k);
    }

    /**
     * Re-reads the file if its size, modification time or inode changed (an atomic replace always changes the inode).
     * A file that changed into something unusable, or disappeared, leaves the previous keys in force: a half-edited
     * or deleted file must not lock everyone out, nor let everyone in.
     */
    public Reload reloadIfChanged() {
        synchronized (reloadLock) {
            State current = state;
            Stamp now;
            try {
                now = stamp(file);
            } catch (IOException e) {
                return failed(Stamp.UNREADABLE, message(e) + "; keeping the previous " + count(current.keys().size()));
            }
            if (now.equals(current.stamp()) || now.equals(failedStamp)) {
                return new Reload.Unchanged();
            }
            if (!now.exists()) {
                return failed(now, file + ": the file is gone; keeping the previous " + count(current.keys().size()));
            }
            try {
                State next = load(file);
                state = next;
                problem = Optional.empty();
                failedStamp = null;
                Instant t = Instant.now();
                return new Reload.Reloaded(next.keys().size(), (int) next.keys().stream().filter(k -> k.activeAt(t)).count());
            } catch (IOException e) {
                return failed(now, message(e) + "; keeping the previous " + count(current.keys().size()));
            }
        }
    }

    private Reload failed(Stamp stamp, String why) {
        failedStamp = stamp;
        problem = Optional.of(why);
        return new Reload.Failed(why);
    }

    // ------------------------------------------------------------------ changing

    /**
     * Makes a key and returns it with its token, which is not stored anywhere. {@link IllegalArgumentException} if the
     * name is in use by a key that is not revoked or is another key's id, or the expiry is not after {@code now}.
     */
    public Created create(KeySpec spec, Instant now) throws IOException {
        Objects.requireNonNull(spec, "spec");
        if (spec.expires().isPresent() && !spec.expires().get().isAfter(now)) {
            throw new IllegalArgumentException("expires: " + spec.expires().get() + " (expected: a time after now, " + now + ")");
        }
        return modify(keys -> {
            for (ApiKey k : keys) {
                if (k.name().equals(spec.name()) && !k.isRevoked()) {
                    throw new IllegalArgumentException("name: " + Rules.quote(spec.name()) + " is taken by key " + k.id()
                            + " (expected: a new name, or revoke " + k.id() + " first)");
                }
                if (k.id().equals(spec.name())) {
                    throw new IllegalArgumentException("name: " + Rules.quote(spec.name()) + " is the id of another key (expected: a different name)");
                }
            }
            Minted m = mint(keys);
            ApiKey key = new ApiKey(m.id(), spec.name(), m.hash(), spec.models(), spec.localOnly(), spec.rpm(), spec.tpm(),
                    spec.concurrency(), spec.expires(), now.truncatedTo(ChronoUnit.SECONDS), Optional.empty(), spec.admin());
            List<ApiKey> next = new ArrayList<>(keys);
            next.add(key);
            return new Change<>(next, new Created(key, m.token()));
        });
    }

    /**
     * Revokes the key with this id or name; it never works again. Revoking a revoked key changes nothing and returns
     * it as it is. {@link NoSuchElementException} if there is no such key.
     */
    public ApiKey revoke(String idOrName, Instant now) throws IOException {
        return modify(keys -> {
            ApiKey k = require(keys, idOrName);
            if (k.isRevoked()) {
                return new Change<>(null, k);
            }
            ApiKey revoked = k.withRevoked(now.truncatedTo(ChronoUnit.SECONDS));
            return new Change<>(replace(keys, k, revoked), revoked);
        });
    }

    /**
     * Replaces a key by a new one with the same name, models, limits, expiry and rights, but a new id and secret, and
     * revokes the old one, in one write. A new id rather than a new secret under the old id: logs and metrics tell the
     * two apart, and {@code keys list} keeps the old one as revoked. The expiry is kept, not extended.
     * {@link IllegalStateException} for a revoked or expired key (make a new one), {@link NoSuchElementException} if
     * there is no such key.
     */
    public Created rotate(String idOrName, Instant now) throws IOException {
        return modify(keys -> {
            ApiKey old = require(keys, idOrName);
            if (old.isRevoked()) {
                throw new IllegalStateException("key " + old.id() + " (" + old.name() + ") is revoked (expected: an active key;"
                        + " make a new one with lifeline keys create)");
            }
            if (old.expiredAt(now)) {
                throw new IllegalStateException("key " + old.id() + " (" + old.name() + ") expired at " + old.expires().orElseThrow()
                        + " (expected: an active key; make a new one with lifeline keys create --expires)");
            }
            Minted m = mint(keys);
            Instant t = now.truncatedTo(ChronoUnit.SECONDS);
            ApiKey fresh = new ApiKey(m.id(), old.name(), m.hash(), old.models(), old.localOnly(), old.rpm(), old.tpm(),
                    old.concurrency(), old.expires(), t, Optional.empty(), old.admin());
            List<ApiKey> next = replace(keys, old, old.withRevoked(t));
            next.add(fresh);
            return new Change<>(next, new Created(fresh, m.token()));
        });
    }

    private static ApiKey require(List<ApiKey> keys, String idOrName) {
        return find(keys, idOrName).orElseThrow(() -> new NoSuchElementException("no key with id or name "
                + Rules.quote(String.valueOf(idOrName)) + (keys.isEmpty() ? " (there are no keys)" : " (see lifeline keys list)")));
    }

    private static Optional<ApiKey> find(List<ApiKey> keys, String idOrName) {
        if (idOrName == null) {
            return Optional.empty();
        }
        for (ApiKey k : keys) {
            if (k.id().equals(idOrName)) {
                return Optional.of(k);
            }
        }
        return keys.stream().filter(k -> k.name().equals(idOrName))
                .max(Comparator.comparing((ApiKey k) -> !k.isRevoked()).thenComparing(ApiKey::created));
    }

    private static List<ApiKey> replace(List<ApiKey> keys, ApiKey old, ApiKey with) {
        List<ApiKey> next = new ArrayList<>(keys);
        next.set(next.indexOf(old), with);
        return next;
    }

    private record Minted(String id, String token, String hash) {
    }

    private static Minted mint(List<ApiKey> existing) {
        String id;
        do {
            byte[] b = new byte[5];
            RANDOM.nextBytes(b);
            long v = 0;
            for (byte x : b) {
                v = v << 8 | (x & 0xff);
            }
            char[] c = new char[8];
            for (int i = 7; i >= 0; i--) {
                c[i] = BASE32[(int) (v & 31)];
                v >>>= 5;
            }
            id = new String(c);
        } while (taken(existing, id));
        byte[] secretBytes = new byte[SECRET_BYTES];
        RANDOM.nextBytes(secretBytes);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(secretBytes);
        return new Minted(id, ApiKey.TOKEN_PREFIX + id + "_" + secret, "sha256:" + HexFormat.of().formatHex(sha256(secret)));
    }

    private static boolean taken(List<ApiKey> keys, String id) {
        return keys.stream().anyMatch(k -> k.id().equals(id) || k.name().equals(id));
    }

    // ------------------------------------------------------------------ the file

    /** The keys after a change ({@code null}: nothing to write) and what to return. */
    private record Change<T>(List<ApiKey> keys, T result) {
    }

    @FunctionalInterface
    private interface Modification<T> {
        Change<T> apply(List<ApiKey> current);
    }

    private <T> T modify(Modification<T> modification) throws IOException {
        Path dir = directory();
        createDirectories(dir);
        Path lockFile = dir.resolve(file.getFileName() + ".lock");
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(dir.toRealPath().resolve(lockFile.getFileName()), p -> new ReentrantLock());
        jvmLock.lock();
        try (FileChannel channel = openLockFile(lockFile)) {
            FileLock fileLock = channel.lock();
            try {
                return modifyLocked(dir, modification);
            } finally {
                fileLock.release();
            }
        } finally {
            jvmLock.unlock();
        }
    }

    /** Under both locks: re-read the file, so that a change by another process in between is kept, then write. */
    private <T> T modifyLocked(Path dir, Modification<T> modification) throws IOException {
        removeStrayTempFiles(dir);
        State current = load(file);
        Change<T> change = modification.apply(current.keys());
        State next = current;
        if (change.keys() != null) {
            write(dir, KeyFile.render(change.keys()));
            next = State.of(change.keys(), stamp(file), Optional.empty());
        }
        synchronized (reloadLock) {
            state = next;
            problem = Optional.empty();
            failedStamp = null;
        }
        return change.result();
    }

    private Path directory() {
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null) {
            throw new IllegalArgumentException(file + ": not a file path");
        }
        return parent;
    }

    private static void createDirectories(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_RWX));
        } catch (UnsupportedOperationException e) { // a file system without POSIX permissions (Windows)
            Files.createDirectories(dir);
        }
    }

    private static FileChannel openLockFile(Path lockFile) throws IOException {
        Set<StandardOpenOption> options = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            return FileChannel.open(lockFile, options, PosixFilePermissions.asFileAttribute(OWNER_RW));
        } catch (UnsupportedOperationException e) { // no POSIX permissions on this file system
            return FileChannel.open(lockFile, options);
        }
    }

    /** Under the lock no change is half-way, so a temp file of ours is what a crash left behind. */
    private void removeStrayTempFiles(Path dir) {
        String name = file.getFileName().toString();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> {
            var m = TEMP.matcher(p.getFileName().toString());
            return m.matches() && m.group(1).equals(name);
        })) {
            for (Path p : files) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Best effort: a stray temp file is untidy, not harmful.
        }
    }

    private void write(Path dir, byte[] content) throws IOException {
        byte[] r = new byte[8];
        RANDOM.nextBytes(r);
        Path tmp = dir.resolve("." + file.getFileName() + "." + HexFormat.of().formatHex(r) + ".tmp");
        try {
            createPrivateFile(tmp);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(content);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        forceDirectory(dir);
    }

    private static void createPrivateFile(Path p) throws IOException {
        FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(OWNER_RW);
        try {
            Files.createFile(p, attr);
        } catch (UnsupportedOperationException e) { // no POSIX permissions on this file system
            Files.createFile(p);
        }
    }

    /** Makes the rename itself durable. Not every platform can open a directory (Windows cannot); there it is skipped. */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // The file's own content is on disk already; only the rename might be lost in a power cut.
        }
    }

    private static State load(Path file) throws IOException {
        Stamp stamp = stamp(file);
        if (!stamp.exists()) {
            return State.of(List.of(), Stamp.MISSING, Optional.empty());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return State.of(List.of(), Stamp.MISSING, Optional.empty());
        } catch (IOException e) {
            throw new IOException(file + ": cannot read: " + message(e), e);
        }
        return State.of(KeyFile.parse(bytes, file), stamp, permissionWarning(file));
    }

    private static Stamp stamp(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (a.isDirectory()) {
                throw new IOException(file + ": is a directory (expected: the keys file, e.g. " + file.resolve("keys.json") + ")");
            }
            return new Stamp(true, a.size(), a.lastModifiedTime(), a.fileKey());
        } catch (NoSuchFileException e) {
            return Stamp.MISSING;
        } catch (java.nio.file.AccessDeniedException e) {
            throw new IOException(file + ": cannot read: permission denied", e);
        }
    }

    private static Optional<String> permissionWarning(Path file) {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (view == null) {
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> perms = view.readAttributes().permissions();
            if (perms.stream().allMatch(p -> p == PosixFilePermission.OWNER_READ || p == PosixFilePermission.OWNER_WRITE
                    || p == PosixFilePermission.OWNER_EXECUTE)) {
                return Optional.empty();
            }
            return Optional.of(file + ": permissions " + PosixFilePermissions.toString(perms)
                    + " let others read it (expected: rw-------; run chmod 600 " + file + ")");
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static String message(IOException e) {
        if (e instanceof KeyFileException) {
            return e.getMessage();
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String count(int keys) {
        return keys == 1 ? "1 key" : keys + " keys";
    }
}
