package dev.lifeline.drill;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lifeline.drill.Workload.Expect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Whether an answer is acceptable: each failed expectation in words, for the report. */
final class Checks {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Checks() {
    }

    static List<String> judge(Expect expect, String answer) {
        List<String> failed = new ArrayList<>();
        String lower = answer.toLowerCase(Locale.ROOT);
        for (String word : expect.contains()) {
            if (!lower.contains(word.toLowerCase(Locale.ROOT))) {
                failed.add("does not contain \"" + word + "\"");
            }
        }
        if (expect.json() && !isJson(answer)) {
            failed.add("is not valid JSON");
        }
        expect.maxChars().ifPresent(max -> {
            if (answer.length() > max) {
                failed.add(answer.length() + " characters (at most " + max + ")");
            }
        });
        return failed;
    }

    /** JSON, also inside the ```json fence models like to put around it. */
    static boolean isJson(String answer) {
        String s = answer.strip();
        if (s.startsWith("```")) {
            s = s.replaceFirst("^```[a-zA-Z]*\\s*", "").replaceFirst("\\s*```$", "");
        }
        try {
            var node = JSON.readTree(s);
            return node != null && (node.isObject() || node.isArray());
        } catch (IOException e) {
            return false;
        }
    }
}
