package dev.lifeline.doctor.listen;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Tells whether a process goes by a name. The name a person knows is often not the one the OS shows: vLLM runs as
 * {@code python3 /venv/bin/vllm serve} or {@code python -m vllm.entrypoints.openai.api_server} (and PyTorch renames the
 * main thread, so {@code comm} says {@code pt_main_thread}); Linux cuts {@code comm} to 15 characters, so
 * {@code text-generation-launcher} shows as {@code text-generation}; Windows adds {@code .exe}.
 */
final class ProcessNames {
    /** Linux keeps 15 characters of {@code comm}; macOS 16. A name this long may have been cut. */
    private static final int CUT_LENGTH = 15;

    private ProcessNames() {
    }

    static Set<String> normalise(Set<String> names) {
        return names.stream().map(n -> n.strip().toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
    }

    /** Every name of {@code wanted} (lower case) that this process goes by, in the order of {@code wanted}'s iteration. */
    static List<String> matches(Set<String> wanted, String name, String commandLine) {
        Set<String> known = namesOf(name, commandLine);
        String shown = clean(name);
        List<String> hits = new ArrayList<>();
        for (String w : wanted) {
            boolean cut = shown.length() >= CUT_LENGTH && w.startsWith(shown);
            if (known.contains(w) || cut) {
                hits.add(w);
            }
        }
        return hits;
    }

    /** The names a process answers to: its own, its program's, and for an interpreter the script or module it runs. */
    static Set<String> namesOf(String name, String commandLine) {
        Set<String> names = new LinkedHashSet<>();
        String own = clean(name);
        names.add(own);
        String[] argv = commandLine.strip().split("\\s+");
        if (argv.length == 0 || argv[0].isEmpty()) {
            return names;
        }
        String program = clean(argv[0]);
        names.add(program);
        if (interpreter(own) || interpreter(program)) {
            for (int i = 1; i < argv.length; i++) {
                String arg = argv[i];
                if (arg.equals("-m") && i + 1 < argv.length) {
                    String module = argv[i + 1].toLowerCase(Locale.ROOT);
                    names.add(module);
                    int dot = module.indexOf('.');
                    if (dot > 0) {
                        names.add(module.substring(0, dot));
                    }
                    break;
                }
                if (!arg.startsWith("-")) {
                    String script = clean(arg);
                    names.add(script.endsWith(".py") ? script.substring(0, script.length() - 3) : script);
                    break;
                }
            }
        }
        return names;
    }

    private static boolean interpreter(String name) {
        return name.startsWith("python") || name.equals("pt_main_thread");
    }

    /** {@code /usr/bin/Ollama.EXE} becomes {@code ollama}. */
    static String clean(String path) {
        int slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        String base = path.substring(slash + 1).strip().toLowerCase(Locale.ROOT);
        return base.endsWith(".exe") ? base.substring(0, base.length() - 4) : base;
    }
}
