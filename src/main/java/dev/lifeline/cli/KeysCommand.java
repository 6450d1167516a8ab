package dev.lifeline.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lifeline.auth.ApiKey;
import dev.lifeline.auth.KeyJson;
import dev.lifeline.auth.KeySpec;
import dev.lifeline.auth.KeyStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code lifeline keys create|list|revoke|rotate}: the API keys clients use with the gateway. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = {"Create, list, revoke and rotate the API keys clients use with the gateway.",
                "Only a hash of each key is stored; a key is shown once, when it is made.",
                "The keys file is --keys-file, else $LIFELINE_KEYS_FILE, else $XDG_CONFIG_HOME/lifeline/keys.json,"
                        + " else ~/.config/lifeline/keys.json."},
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Revoke.class, KeysCommand.Rotate.class})
public final class KeysCommand implements Runnable {
    private static final Pattern RELATIVE = Pattern.compile("(\\d{1,7})([mhdw])");
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code --keys-file}, shared by every subcommand. */
    static final class KeysFile {
        @Option(names = "--keys-file", paramLabel = "PATH",
                description = "the keys file (default: $LIFELINE_KEYS_FILE, $XDG_CONFIG_HOME/lifeline/keys.json or ~/.config/lifeline/keys.json)")
        Path path;

        Path resolve(Map<String, String> env) {
            return path != null ? path : KeyStore.defaultPath(env);
        }
    }

    /** What the subcommands share: the environment, the keys file, printing and error handling. */
    abstract static class Sub implements Callable<Integer> {
        final Map<String, String> env;

        @Spec
        CommandSpec spec;

        @Mixin
        KeysFile keysFile;

        PrintWriter out;
        PrintWriter err;
        Path file;

        Sub(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public final Integer call() {
            out = spec.commandLine().getOut();
            err = spec.commandLine().getErr();
            file = keysFile.resolve(env);
            try {
                return run(Instant.now());
            } catch (IllegalArgumentException e) {
                err.println("lifeline: " + optionNames(e.getMessage()));
                return 2;
            } catch (NoSuchElementException | IllegalStateException e) {
                err.println("lifeline: " + e.getMessage());
                return 1;
            } catch (IOException e) {
                String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                err.println("lifeline: " + (m.contains(file.toString()) ? m : file + ": " + m));
                return 1;
            } finally {
                out.flush();
                err.flush();
            }
        }

        abstract int run(Instant now) throws IOException;

        KeyStore open() throws IOException {
            KeyStore store = KeyStore.open(file);
            store.permissionWarning().ifPresent(w -> err.println("WARNING: " + w));
            return store;
        }

        void printToken(KeyStore.Created c) {
            out.println();
            out.println("Save this key now; it cannot be shown again:");
            out.println();
            out.println("  " + c.token());
            out.println();
            out.println("Clients send it as the API key, i.e. the header  Authorization: Bearer <key>");
        }

        void describe(ApiKey k) {
            out.printf("  id:          %s%n", k.id());
            out.printf("  name:        %s%n", k.name());
            out.printf("  models:      %s%n", k.models().isEmpty() ? "* (every model)" : String.join(", ", k.models()));
            out.printf("  local only:  %s%n", k.localOnly() ? "yes (never sent to cloud backends)" : "no");
            out.printf("  limits:      %s%n", limits(k, ", ", "unlimited"));
            out.printf("  expires:     %s%n", k.expires().map(KeysCommand::time).orElse("never"));
            out.printf("  admin:       %s%n", k.admin() ? "yes (may use the admin endpoints)" : "no");
            out.printf("  keys file:   %s%n", file);
        }
    }

    // ------------------------------------------------------------------ create

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Make a key and print it, once.")
    static final class Create extends Sub {
        @Option(names = "--name", required = true, paramLabel = "NAME", description = "unique: 1 to 64 of A-Z a-z 0-9 . _ -")
        String name;

        @Option(names = "--models", split = ",", paramLabel = "GLOB",
                description = "the models the key may use, as names or globs with * and ? (default: every model)")
        List<String> models = new ArrayList<>();

        @Option(names = "--local-only", description = "only ever served by local backends, never cloud ones")
        boolean localOnly;

        @Option(names = "--rpm", paramLabel = "N", description = "at most N requests a minute (default: unlimited)")
        Integer rpm;

        @Option(names = "--tpm", paramLabel = "N", description = "at most N tokens a minute (default: unlimited)")
        Integer tpm;

        @Option(names = "--concurrency", paramLabel = "N", description = "at most N requests at once (default: unlimited)")
        Integer concurrency;

        @Option(names = "--expires", paramLabel = "WHEN",
                description = "a lifetime (30m, 12h, 90d, 8w) or a date (2027-01-31, meaning 00:00 UTC) or time (2027-01-31T18:00:00Z); default: never")
        String expires;

        @Option(names = "--admin", description = "may also use the admin endpoints (e.g. contingency)")
        boolean admin;

        Create(Map<String, String> env) {
            super(env);
        }

        @Override
        int run(Instant now) throws IOException {
            KeySpec ks = new KeySpec(name, models, localOnly, optional(rpm), optional(tpm), optional(concurrency),
                    Optional.ofNullable(expires).map(e -> parseExpiry(e, now)), admin);
            KeyStore.Created c = open().create(ks, now);
            out.println("Created key " + c.key().id() + " (" + c.key().name() + "):");
            describe(c.key());
            printToken(c);
            return 0;
        }

        private static OptionalInt optional(Integer n) {
            return n == null ? OptionalInt.empty() : OptionalInt.of(n);
        }
    }

    // ------------------------------------------------------------------ list

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Show every key, without its secret.")
    static final class ListKeys extends Sub {
        private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

        @Option(names = "--json", description = "print JSON instead of a table")
        boolean json;

        ListKeys(Map<String, String> env) {
            super(env);
        }

        @Override
        int run(Instant now) throws IOException {
            List<ApiKey> keys = open().list();
            if (json) {
                ObjectNode root = JSON.createObjectNode();
                root.put("file", file.toString());
                ArrayNode list = root.putArray("keys");
                for (ApiKey k : keys) {
                    KeyJson.write(k, now, list.addObject());
                }
                try {
                    out.println(JSON.writeValueAsString(root));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
                return 0;
            }
            if (keys.isEmpty()) {
                out.println("No keys in " + file + ". Make one with: lifeline keys create --name NAME");
                return 0;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "NAME", "STATUS", "MODELS", "LOCAL_ONLY", "ADMIN", "LIMITS", "CREATED", "EXPIRES"});
            for (ApiKey k : keys) {
                rows.add(new String[] {k.id(), k.name(), k.statusAt(now), k.models().isEmpty() ? "*" : String.join(",", k.models()),
                        k.localOnly() ? "yes" : "no", k.admin() ? "yes" : "no", limits(k, ",", "-"), time(k.created()),
                        k.expires().map(KeysCommand::time).orElse("never")});
            }
            int[] width = new int[rows.get(0).length];
            for (String[] r : rows) {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            }
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
                }
                out.println(line.toString().stripTrailing());
            }
            return 0;
        }
    }

    // ------------------------------------------------------------------ revoke, rotate

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key for good.")
    static final class Revoke extends Sub {
        @Parameters(paramLabel = "ID|NAME", description = "the key's id or name")
        String key;

        Revoke(Map<String, String> env) {
            super(env);
        }

        @Override
        int run(Instant now) throws IOException {
            KeyStore store = open();
            Optional<ApiKey> before = store.find(key);
            ApiKey k = store.revoke(key, now);
            if (before.isPresent() && before.get().isRevoked() && before.get().id().equals(k.id())) {
                out.printf("Key %s (%s) was already revoked at %s.%n", k.id(), k.name(), time(k.revoked().orElseThrow()));
            } else {
                out.printf("Revoked key %s (%s). A running gateway stops accepting it when it next reads %s.%n", k.id(), k.name(), file);
            }
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Replace a key: a new key with the same name, models and limits (and a new id), the old one revoked.",
                    "The old key stops working at once; give clients the new one."})
    static final class Rotate extends Sub {
        @Parameters(paramLabel = "ID|NAME", description = "the key's id or name")
        String key;

        Rotate(Map<String, String> env) {
            super(env);
        }

        @Override
        int run(Instant now) throws IOException {
            KeyStore store = open();
            String oldId = store.find(key).map(ApiKey::id).orElse(key);
            KeyStore.Created c = store.rotate(key, now);
            out.println("Revoked key " + oldId + " and created key " + c.key().id() + " (" + c.key().name() + ") in its place:");
            describe(c.key());
            printToken(c);
            return 0;
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * {@code --expires}: a lifetime from now ({@code 30m}, {@code 12h}, {@code 90d}, {@code 8w}), a date (00:00 UTC
     * that day) or an ISO-8601 time with a zone.
     */
    static Instant parseExpiry(String text, Instant now) {
        String t = text.trim();
        String expected = " (expected: a lifetime such as 12h, 90d or 8w, a date such as 2027-01-31, or a time such as 2027-01-31T18:00:00Z)";
        Matcher m = RELATIVE.matcher(t);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            if (n == 0) {
                throw new IllegalArgumentException("--expires: \"" + t + "\"" + expected);
            }
            Duration d = switch (m.group(2)) {
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            };
            return now.plus(d).truncatedTo(ChronoUnit.SECONDS);
        }
        try {
            if (DATE.matcher(t).matches()) {
                return LocalDate.parse(t).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("--expires: \"" + t + "\"" + expected);
        }
    }

    /** The store names fields as the file does ({@code rpm}, {@code models[0]}); the user typed options. */
    static String optionNames(String message) {
        if (message == null) {
            return "invalid value";
        }
        return message.replaceFirst("^models\\[\\d+]: ", "--models: ")
                .replaceFirst("^(name|rpm|tpm|concurrency|expires): ", "--$1: ");
    }

    static String limits(ApiKey k, String sep, String none) {
        List<String> parts = new ArrayList<>();
        k.rpm().ifPresent(n -> parts.add("rpm=" + n));
        k.tpm().ifPresent(n -> parts.add("tpm=" + n));
        k.concurrency().ifPresent(n -> parts.add("concurrency=" + n));
        return parts.isEmpty() ? none : String.join(sep, parts);
    }

    static String time(Instant t) {
        return t.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
