package dev.lifeline.cli;

import dev.lifeline.config.Config;
import dev.lifeline.config.ConfigException;
import dev.lifeline.config.ConfigLoader;
import dev.lifeline.config.DefaultConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code lifeline config check|default}. */
@Command(name = "config", description = "Check a configuration file, or print the embedded default.",
        mixinStandardHelpOptions = true, subcommands = {ConfigCommand.Check.class, ConfigCommand.Default.class})
public final class ConfigCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "check", description = "Validate FILE: exit 0 if it is usable, 1 with every problem listed.",
            mixinStandardHelpOptions = true)
    static final class Check implements Callable<Integer> {
        private final Map<String, String> env;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "the YAML configuration")
        Path file;

        Check(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Config c = ConfigLoader.load(file, env);
                out.printf("%s: OK (%d backend%s, %d route%s, listen %s)%n", file, c.backends().size(), c.backends().size() == 1 ? "" : "s",
                        c.routes().size(), c.routes().size() == 1 ? "" : "s", ServeCommand.display(c.listen()));
                return 0;
            } catch (ConfigException e) {
                err.printf("%s: %d problem%s%n", file, e.problems().size(), e.problems().size() == 1 ? "" : "s");
                e.problems().forEach(p -> err.println("  " + p));
                return 1;
            }
        }
    }

    @Command(name = "default", description = "Print the configuration `serve` uses when no file is given, as a starting point.",
            mixinStandardHelpOptions = true)
    static final class Default implements Callable<Integer> {
        private final Map<String, String> env;

        @Spec
        CommandSpec spec;

        Default(Map<String, String> env) {
            this.env = env;
        }

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(DefaultConfig.yaml(env));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
