package dev.lifeline.doctor;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/doctor.md promises "every finding it can report, with its fix": every code the doctor can emit is listed there. */
class DoctorDocsTest {
    private static final Pattern CODE = Pattern.compile(
            "\"((?:name|connect|port|http|tls|server|url|cors|exposure|firewall|harden|outside|discover|env)\\.[a-z0-9-]+)\"");

    @Test
    void everyFindingCodeIsDocumented() throws IOException {
        Set<String> codes = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java/dev/lifeline/doctor"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = CODE.matcher(Files.readString(f));
                while (m.find()) {
                    codes.add(m.group(1));
                }
            }
        }
        String docs = Files.readString(Path.of("docs/doctor.md"));

        assertThat(codes).hasSizeGreaterThan(30);
        assertThat(codes).allMatch(c -> docs.contains("`" + c + "`"), "documented in docs/doctor.md");
    }
}
