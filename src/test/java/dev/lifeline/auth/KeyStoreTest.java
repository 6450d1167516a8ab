package dev.lifeline.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** The key store on real files: tokens, hashes, the file's safety and concurrent writers. */
class KeyStoreTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("keys.json");
    }

    private static String secretOf(String token) {
        return token.substring("ll_12345678_".length());
    }

    private static boolean posix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void aCreatedTokenAuthenticatesItsKey() throws IOException {
        KeyStore store = KeyStore.open(file());

        KeyStore.Created c = store.create(KeySpec.named("ci-bot"), NOW);

        assertThat(c.token()).matches("ll_[a-z2-7]{8}_[A-Za-z0-9_-]{43}").startsWith("ll_" + c.key().id() + "_");
        assertThat(c.key().hash()).matches("sha256:[0-9a-f]{64}");
        assertThat(store.authenticate(c.token(), NOW)).isEqualTo(new Authentication.Valid(c.key()));
        assertThat(KeyStore.open(file()).authenticate(c.token(), NOW)).isEqualTo(new Authentication.Valid(c.key()));
    }

    @Test
    void everyTokenIsDifferent() throws IOException {
        KeyStore store = KeyStore.open(file());
        Set<String> tokens = new HashSet<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            KeyStore.Created c = store.create(KeySpec.named("k" + i), NOW);
            tokens.add(c.token());
            ids.add(c.key().id());
        }
        assertThat(tokens).hasSize(50);
        assertThat(ids).hasSize(50);
    }

    @Test
    void aWrongSecretForARightIdIsUnknown() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created a = store.create(KeySpec.named("a"), NOW);
        KeyStore.Created b = store.create(KeySpec.named("b"), NOW);
        String t = a.token();
        char last = t.charAt(t.length() - 1);

        assertThat(store.authenticate(t.substring(0, t.length() - 1) + (last == 'A' ? 'B' : 'A'), NOW)).isEqualTo(Authentication.UNKNOWN);
        assertThat(store.authenticate("ll_" + a.key().id() + "_" + secretOf(b.token()), NOW)).isEqualTo(Authentication.UNKNOWN);
        assertThat(store.authenticate("ll_zzzzzzzz_" + secretOf(a.token()), NOW)).isEqualTo(Authentication.UNKNOWN);
    }

    @Test
    void malformedTokensAreMalformed() throws IOException {
        KeyStore store = KeyStore.open(file());
        String t = store.create(KeySpec.named("a"), NOW).token();
        String secret = secretOf(t);
        List<String> bad = new ArrayList<>(List.of(
                "",
                "ll_",
                "sk-" + t.substring(3),
                "LL_" + t.substring(3),
                t.substring(0, t.length() - 1),
                t + "A",
                " " + t,
                "Bearer " + t,
                t.substring(0, 11) + "-" + secret,
                "ll_ABCDEFGH_" + secret,
                "ll_abcd1890_" + secret,
                t.substring(0, t.length() - 1) + "=",
                t.substring(0, t.length() - 2) + "!!",
                t.substring(0, t.length() - 1) + "é",
                "x".repeat(100_000)));
        bad.add(null);

        for (String token : bad) {
            assertThat(store.authenticate(token, NOW)).as(String.valueOf(token)).isInstanceOf(Authentication.Malformed.class);
            assertThat(((Authentication.Malformed) store.authenticate(token, NOW)).reason()).doesNotContain(secret);
        }
    }

    @Test
    void revokedKeysAreRevokedOnlyForTheRightSecret() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created c = store.create(KeySpec.named("gone"), NOW);

        ApiKey revoked = store.revoke("gone", NOW.plusSeconds(5));

        assertThat(revoked.revoked()).contains(NOW.plusSeconds(5));
        assertThat(store.authenticate(c.token(), NOW.plusSeconds(10))).isEqualTo(new Authentication.Revoked(revoked));
        assertThat(KeyStore.open(file()).authenticate(c.token(), NOW)).isInstanceOf(Authentication.Revoked.class);
        String wrong = c.token().substring(0, c.token().length() - 3) + "AAA";
        assertThat(store.authenticate(wrong, NOW)).isEqualTo(Authentication.UNKNOWN);
        assertThat(revoked.activeAt(NOW)).isFalse();
        assertThat(revoked.statusAt(NOW)).isEqualTo("revoked");
    }

    @Test
    void revokingByIdAndTwiceAndUnknown() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created c = store.create(KeySpec.named("a"), NOW);

        ApiKey first = store.revoke(c.key().id(), NOW);
        ApiKey again = store.revoke(c.key().id(), NOW.plusSeconds(60));

        assertThat(again).isEqualTo(first);
        assertThatThrownBy(() -> store.revoke("nope", NOW)).isInstanceOf(NoSuchElementException.class).hasMessageContaining("\"nope\"");
    }

    @Test
    void expiredKeysAreExpired() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created c = store.create(KeySpec.named("temp").withExpires(NOW.plus(Duration.ofHours(1))), NOW);

        assertThat(store.authenticate(c.token(), NOW.plus(Duration.ofMinutes(59)))).isInstanceOf(Authentication.Valid.class);
        assertThat(store.authenticate(c.token(), NOW.plus(Duration.ofHours(1)))).isEqualTo(new Authentication.Expired(c.key()));
        assertThat(c.key().statusAt(NOW.plus(Duration.ofDays(1)))).isEqualTo("expired");
        String wrong = c.token().substring(0, c.token().length() - 3) + "AAA";
        assertThat(store.authenticate(wrong, NOW.plus(Duration.ofDays(1)))).isEqualTo(Authentication.UNKNOWN);
    }

    @Test
    void anExpiryInThePastIsRefused() throws IOException {
        KeyStore store = KeyStore.open(file());

        assertThatThrownBy(() -> store.create(KeySpec.named("late").withExpires(NOW.minusSeconds(1)), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("expires: ");
        assertThat(Files.exists(file())).isFalse();
    }

    @Test
    void namesAreUniqueAmongKeysNotRevoked() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created first = store.create(KeySpec.named("ci"), NOW);

        assertThatThrownBy(() -> store.create(KeySpec.named("ci"), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name: \"ci\" is taken by key " + first.key().id());
        assertThatThrownBy(() -> store.create(KeySpec.named(first.key().id()), NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is the id of another key");

        store.revoke("ci", NOW);
        KeyStore.Created second = store.create(KeySpec.named("ci"), NOW);

        assertThat(store.find("ci")).contains(second.key());
        assertThat(store.list()).hasSize(2);
    }

    @Test
    void specsAreValidated() {
        assertThatThrownBy(() -> KeySpec.named("has space")).hasMessageStartingWith("name: \"has space\" (expected:");
        assertThatThrownBy(() -> KeySpec.named("")).hasMessageStartingWith("name: \"\"");
        assertThatThrownBy(() -> KeySpec.named("x".repeat(65))).hasMessageStartingWith("name: ");
        assertThat(KeySpec.named("x".repeat(64)).name()).hasSize(64);
        assertThatThrownBy(() -> KeySpec.named("a").withModels(List.of("ok", "llama 3"))).hasMessageStartingWith("models[1]: \"llama 3\"");
        assertThatThrownBy(() -> KeySpec.named("a").withModels(List.of("[a-z]"))).hasMessageStartingWith("models[0]: ");
        assertThatThrownBy(() -> KeySpec.named("a").withModels(List.of(""))).hasMessageStartingWith("models[0]: ");
        assertThatThrownBy(() -> KeySpec.named("a").withRpm(0)).hasMessageStartingWith("rpm: 0 (expected: a positive");
        assertThatThrownBy(() -> KeySpec.named("a").withTpm(-5)).hasMessageStartingWith("tpm: -5");
        assertThatThrownBy(() -> KeySpec.named("a").withConcurrency(0)).hasMessageStartingWith("concurrency: 0");
    }

    // ------------------------------------------------------------------ models

    @Test
    void allowsModelMatchesGlobs() throws IOException {
        KeyStore store = KeyStore.open(file());
        ApiKey k = store.create(KeySpec.named("m").withModels(List.of("llama3*", "qwen2.5-coder:?b", "gpt-4o")), NOW).key();
        ApiKey every = store.create(KeySpec.named("all"), NOW).key();

        assertThat(k.allowsModel("llama3")).isTrue();
        assertThat(k.allowsModel("llama3.1:8b")).isTrue();
        assertThat(k.allowsModel("qwen2.5-coder:7b")).isTrue();
        assertThat(k.allowsModel("gpt-4o")).isTrue();
        assertThat(k.allowsModel("llama2")).isFalse();
        assertThat(k.allowsModel("LLAMA3")).isFalse();
        assertThat(k.allowsModel("qwen2.5-coder:14b")).isFalse();
        assertThat(k.allowsModel("gpt-4o-mini")).isFalse();
        assertThat(k.allowsModel("xgpt-4o")).isFalse();
        assertThat(k.allowsModel("")).isFalse();
        assertThat(k.allowsModel(null)).isFalse();
        assertThat(every.allowsModel("anything:at/all")).isTrue();
    }

    @Test
    void globMatching() {
        assertThat(Rules.globMatches("*", "")).isTrue();
        assertThat(Rules.globMatches("a*b*c", "aXXbYYc")).isTrue();
        assertThat(Rules.globMatches("a*b*c", "aXXbYY")).isFalse();
        assertThat(Rules.globMatches("*:7b", "qwen:7b")).isTrue();
        assertThat(Rules.globMatches("?", "")).isFalse();
        assertThat(Rules.globMatches("a.b", "aXb")).isFalse();
        assertThat(Rules.globMatches("a*", "a*")).isTrue();
        long start = System.nanoTime();
        assertThat(Rules.globMatches("*a*a*a*a*a*a*a*a*b", "a".repeat(5_000))).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    // ------------------------------------------------------------------ rotate

    @Test
    void rotateRevokesTheOldKeyAndReturnsAWorkingNewOne() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created old = store.create(KeySpec.named("svc").withModels(List.of("llama*")).withRpm(60).withTpm(1000).withConcurrency(2)
                .withLocalOnly(true).withAdmin(true).withExpires(NOW.plus(Duration.ofDays(30))), NOW);

        KeyStore.Created fresh = store.rotate("svc", NOW.plusSeconds(60));

        assertThat(fresh.key().id()).isNotEqualTo(old.key().id());
        assertThat(fresh.token()).isNotEqualTo(old.token());
        assertThat(fresh.key()).usingRecursiveComparison().ignoringFields("id", "hash", "created")
                .isEqualTo(old.key());
        assertThat(fresh.key().created()).isEqualTo(NOW.plusSeconds(60));
        assertThat(store.authenticate(fresh.token(), NOW.plusSeconds(61))).isEqualTo(new Authentication.Valid(fresh.key()));
        assertThat(store.authenticate(old.token(), NOW.plusSeconds(61))).isInstanceOf(Authentication.Revoked.class);

        KeyStore reopened = KeyStore.open(file());
        assertThat(reopened.list()).extracting(ApiKey::id).containsExactly(old.key().id(), fresh.key().id());
        assertThat(reopened.find("svc")).contains(fresh.key());
        assertThat(reopened.find(old.key().id()).orElseThrow().isRevoked()).isTrue();
        assertThat(reopened.authenticate(fresh.token(), NOW)).isInstanceOf(Authentication.Valid.class);
    }

    @Test
    void rotateRefusesRevokedAndExpiredKeys() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created a = store.create(KeySpec.named("a"), NOW);
        store.create(KeySpec.named("b").withExpires(NOW.plusSeconds(10)), NOW);
        store.revoke("a", NOW);

        assertThatThrownBy(() -> store.rotate(a.key().id(), NOW)).isInstanceOf(IllegalStateException.class).hasMessageContaining("revoked");
        assertThatThrownBy(() -> store.rotate("b", NOW.plusSeconds(20))).isInstanceOf(IllegalStateException.class).hasMessageContaining("expired");
        assertThatThrownBy(() -> store.rotate("c", NOW)).isInstanceOf(NoSuchElementException.class);
        assertThat(KeyStore.open(file()).list()).hasSize(2);
    }

    // ------------------------------------------------------------------ the file

    @Test
    void theFileNeverHoldsTheTokenOrTheSecret() throws IOException {
        KeyStore store = KeyStore.open(file());
        KeyStore.Created c = store.create(KeySpec.named("a"), NOW);
        KeyStore.Created r = store.rotate("a", NOW);

        String text = Files.readString(file());

        for (String token : List.of(c.token(), r.token())) {
            assertThat(text).doesNotContain(token).doesNotContain(secretOf(token));
        }
        assertThat(text).contains("\"version\" : 1", c.key().hash(), r.key().hash());
        assertThat(c.toString()).doesNotContain(secretOf(c.token()));
        assertThat(c.key().toString()).doesNotContain(c.key().hash());
    }

    @Test
    void theFileIsPrivateAndItsNewDirectoriesToo() throws IOException {
        assumeThat(posix()).isTrue();
        Path file = dir.resolve("a/b/keys.json");

        KeyStore.open(file).create(KeySpec.named("a"), NOW);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a")))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a/b/keys.json.lock")))).isEqualTo("rw-------");
        assertThat(KeyStore.open(file).permissionWarning()).isEmpty();
    }

    @Test
    void aFileOthersCanReadStillOpensWithAWarningAndIsTightenedOnTheNextChange() throws IOException {
        assumeThat(posix()).isTrue();
        KeyStore.open(file()).create(KeySpec.named("a"), NOW);
        Files.setPosixFilePermissions(file(), PosixFilePermissions.fromString("rw-r--r--"));

        KeyStore store = KeyStore.open(file());

        assertThat(store.list()).hasSize(1);
        assertThat(store.permissionWarning()).hasValueSatisfying(w -> assertThat(w).contains(file().toString(), "rw-r--r--", "chmod 600"));

        store.create(KeySpec.named("b"), NOW);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file()))).isEqualTo("rw-------");
        assertThat(store.permissionWarning()).isEmpty();
    }

    @Test
    void aMissingFileIsAnEmptyStoreAndIsNotCreatedByReading() throws IOException {
        KeyStore store = KeyStore.open(dir.resolve("nothing/here.json"));

        assertThat(store.list()).isEmpty();
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.authenticate("ll_abcdefgh_" + "A".repeat(43), NOW)).isEqualTo(Authentication.UNKNOWN);
        assertThat(dir.resolve("nothing")).doesNotExist();
    }

    @Test
    void isEmptyMeansNoKeysAtAllSoRevokingTheLastKeyFailsClosed() throws IOException {
        KeyStore store = KeyStore.open(file());
        store.create(KeySpec.named("only"), NOW);
        store.revoke("only", NOW);

        assertThat(store.isEmpty()).isFalse();
        assertThat(store.activeCount(NOW)).isZero();
    }

    @Test
    void aStrayTempFileFromACrashDoesNotHurt() throws IOException {
        KeyStore.Created c = KeyStore.open(file()).create(KeySpec.named("a"), NOW);
        Path stray = dir.resolve(".keys.json.0123456789abcdef.tmp");
        Files.writeString(stray, "{\"version\": 1, \"keys\": [{\"id\": \"tru");
        Path unrelated = dir.resolve("keys.json.bak");
        Files.writeString(unrelated, "mine");

        KeyStore store = KeyStore.open(file());

        assertThat(store.list()).extracting(ApiKey::name).containsExactly("a");
        assertThat(store.authenticate(c.token(), NOW)).isInstanceOf(Authentication.Valid.class);

        store.create(KeySpec.named("b"), NOW);

        assertThat(stray).doesNotExist();
        assertThat(unrelated).hasContent("mine");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("keys.json", "keys.json.lock", "keys.json.bak");
        }
    }

    @Test
    void corruptJsonIsAClearErrorNamingTheFile() throws IOException {
        Files.writeString(file(), "{\"version\": 1, \"keys\": [");

        assertThatThrownBy(() -> KeyStore.open(file())).isInstanceOf(KeyFileException.class)
                .hasMessageStartingWith(file() + ": not valid JSON");
    }

    @Test
    void badContentIsReportedFieldByField() throws IOException {
        Files.writeString(file(), """
                {"version": 1, "keys": [
                  {"id": "abcdefgh", "name": "a", "hash": "sha256:%s", "created": "2026-01-01T00:00:00Z", "rpm": 0, "colour": "red"},
                  {"id": "abcdefgh", "name": "b", "hash": "md5:xyz", "created": "yesterday"}
                ]}
                """.formatted("0".repeat(64)));

        assertThatThrownBy(() -> KeyStore.open(file())).isInstanceOfSatisfying(KeyFileException.class, e -> {
            assertThat(e.file()).isEqualTo(file());
            assertThat(e.problems()).anyMatch(p -> p.startsWith("keys[0].rpm: 0 (expected:"))
                    .anyMatch(p -> p.startsWith("keys[0].colour: unknown field"))
                    .anyMatch(p -> p.startsWith("keys[1].hash: "))
                    .anyMatch(p -> p.startsWith("keys[1].created: \"yesterday\""));
            assertThat(e.getMessage()).startsWith(file().toString());
        });
    }

    @Test
    void duplicateIdsAreAnError() throws IOException {
        String key = "{\"id\": \"abcdefgh\", \"name\": \"%s\", \"hash\": \"sha256:" + "0".repeat(64) + "\", \"created\": \"2026-01-01T00:00:00Z\"}";
        Files.writeString(file(), "{\"version\": 1, \"keys\": [" + key.formatted("a") + ", " + key.formatted("b") + "]}");

        assertThatThrownBy(() -> KeyStore.open(file())).hasMessageContaining("keys[1].id: \"abcdefgh\" (expected: unique");
    }

    @Test
    void anUnknownVersionIsAClearError() throws IOException {
        Files.writeString(file(), "{\"version\": 2, \"keys\": []}");

        assertThatThrownBy(() -> KeyStore.open(file())).isInstanceOf(KeyFileException.class)
                .hasMessageContaining(file().toString()).hasMessageContaining("version: 2 (expected: 1");
    }

    @Test
    void anEmptyFileIsAnErrorNotAnEmptyStore() throws IOException {
        Files.writeString(file(), "");

        assertThatThrownBy(() -> KeyStore.open(file())).isInstanceOf(KeyFileException.class).hasMessageContaining("empty");
    }

    @Test
    void aDirectoryIsAClearError() throws IOException {
        Files.createDirectory(file());

        assertThatThrownBy(() -> KeyStore.open(file())).isInstanceOf(IOException.class).hasMessageContaining("is a directory");
    }

    @Test
    void aChangeToACorruptFileIsRefusedAndLeavesItAlone() throws IOException {
        KeyStore store = KeyStore.open(file());
        Files.writeString(file(), "not json");

        assertThatThrownBy(() -> store.create(KeySpec.named("a"), NOW)).isInstanceOf(KeyFileException.class);
        assertThat(file()).hasContent("not json");
    }

    @Test
    void theFileCanBeReadBack() throws IOException {
        KeyStore store = KeyStore.open(file());
        store.create(KeySpec.named("full").withModels(List.of("a*", "b?")).withLocalOnly(true).withRpm(1).withTpm(2).withConcurrency(3)
                .withExpires(Instant.parse("2030-01-01T00:00:00.5Z")).withAdmin(true), NOW);
        store.create(KeySpec.named("plain"), NOW);
        store.revoke("plain", NOW.plusSeconds(1));

        assertThat(KeyStore.open(file()).list()).isEqualTo(store.list());
    }

    // ------------------------------------------------------------------ concurrency and reloading

    @Test
    void concurrentCreatesFromManyStoresLoseNothing() throws Exception {
        int threads = 8;
        int each = 12;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> tokens = new ConcurrentLinkedQueue<>();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit((Callable<Void>) () -> {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        KeyStore own = KeyStore.open(file());
                        tokens.add(own.create(KeySpec.named("t" + thread + "-" + i), Instant.now()).token());
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        KeyStore store = KeyStore.open(file());
        assertThat(store.list()).hasSize(threads * each);
        assertThat(store.list().stream().map(ApiKey::id).distinct()).hasSize(threads * each);
        for (String token : tokens) {
            assertThat(store.authenticate(token, Instant.now())).isInstanceOf(Authentication.Valid.class);
        }
    }

    @Test
    void concurrentCreatesFromSeveralProcessesLoseNothing() throws Exception {
        int processes = 3;
        int each = 8;
        String java = ProcessHandle.current().info().command().orElse("java");
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<Process> running = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            running.add(new ProcessBuilder(java, "-cp", classpath, Writer.class.getName(), file().toString(), "p" + p, String.valueOf(each))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("p" + p + ".log").toFile()).start());
        }
        for (int p = 0; p < processes; p++) {
            assertThat(running.get(p).waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(running.get(p).exitValue()).as(Files.readString(dir.resolve("p" + p + ".log"))).isZero();
        }

        assertThat(KeyStore.open(file()).list()).hasSize(processes * each);
    }

    /** One process of {@link #concurrentCreatesFromSeveralProcessesLoseNothing}: FILE PREFIX COUNT. */
    static final class Writer {
        public static void main(String[] args) throws IOException {
            for (int i = 0; i < Integer.parseInt(args[2]); i++) {
                KeyStore.open(Path.of(args[0])).create(KeySpec.named(args[1] + "-" + i), Instant.now());
            }
        }
    }

    @Test
    void reloadIfChangedPicksUpAKeyMadeElsewhere() throws IOException {
        KeyStore server = KeyStore.open(file());
        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Unchanged());

        KeyStore.Created c = KeyStore.open(file()).create(KeySpec.named("new"), Instant.now());

        assertThat(server.authenticate(c.token(), Instant.now())).isEqualTo(Authentication.UNKNOWN);
        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Reloaded(1, 1));
        assertThat(server.authenticate(c.token(), Instant.now())).isInstanceOf(Authentication.Valid.class);
        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Unchanged());

        KeyStore.open(file()).revoke("new", Instant.now());

        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Reloaded(1, 0));
        assertThat(server.authenticate(c.token(), Instant.now())).isInstanceOf(Authentication.Revoked.class);
    }

    @Test
    void aStoresOwnChangesNeedNoReload() throws IOException {
        KeyStore store = KeyStore.open(file());
        store.create(KeySpec.named("a"), NOW);

        assertThat(store.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Unchanged());
    }

    @Test
    void aBrokenFileOnReloadKeepsThePreviousKeysAndIsReportedOnce() throws IOException {
        KeyStore server = KeyStore.open(file());
        KeyStore.Created c = server.create(KeySpec.named("a"), Instant.now());
        Files.writeString(file(), "{\"version\": 1, \"keys\": [ oops");

        KeyStore.Reload r = server.reloadIfChanged();

        assertThat(r).isInstanceOfSatisfying(KeyStore.Reload.Failed.class,
                f -> assertThat(f.problem()).contains(file().toString(), "not valid JSON", "keeping the previous 1 key"));
        assertThat(server.problem()).isPresent();
        assertThat(server.authenticate(c.token(), Instant.now())).isInstanceOf(Authentication.Valid.class);
        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Unchanged());

        Files.delete(file());
        assertThat(server.reloadIfChanged()).isInstanceOfSatisfying(KeyStore.Reload.Failed.class,
                f -> assertThat(f.problem()).contains("gone"));
        assertThat(server.authenticate(c.token(), Instant.now())).isInstanceOf(Authentication.Valid.class);

        KeyStore.Created d = KeyStore.open(file()).create(KeySpec.named("b"), Instant.now());

        assertThat(server.reloadIfChanged()).isEqualTo(new KeyStore.Reload.Reloaded(1, 1));
        assertThat(server.problem()).isEmpty();
        assertThat(server.authenticate(d.token(), Instant.now())).isInstanceOf(Authentication.Valid.class);
        assertThat(server.authenticate(c.token(), Instant.now())).isEqualTo(Authentication.UNKNOWN);
    }

    // ------------------------------------------------------------------ default path

    @Test
    void defaultPathFollowsTheEnvironment() {
        assertThat(KeyStore.defaultPath(Map.of("LIFELINE_KEYS_FILE", "/etc/ll/k.json", "XDG_CONFIG_HOME", "/x", "HOME", "/h")))
                .isEqualTo(Path.of("/etc/ll/k.json"));
        assertThat(KeyStore.defaultPath(Map.of("XDG_CONFIG_HOME", "/x", "HOME", "/h"))).isEqualTo(Path.of("/x/lifeline/keys.json"));
        assertThat(KeyStore.defaultPath(Map.of("XDG_CONFIG_HOME", "relative", "HOME", "/h"))).isEqualTo(Path.of("/h/.config/lifeline/keys.json"));
        assertThat(KeyStore.defaultPath(Map.of("LIFELINE_KEYS_FILE", " ", "HOME", "/h"))).isEqualTo(Path.of("/h/.config/lifeline/keys.json"));
        assertThat(KeyStore.defaultPath(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".config", "lifeline", "keys.json"));
    }
}
