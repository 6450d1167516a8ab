package dev.lifeline.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Map;

/** {@code lifeline}: the continuity gateway and its tools. */
@Command(name = "lifeline",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = "Keeps your AI apps answering: cloud first, local models when the cloud fails.",
        subcommands = {ServeCommand.class, MonitorCommand.class, DoctorCommand.class, DrillCommand.class, FirewallCommand.class,
                HardenCommand.class, ConfigCommand.class, ContingencyCommand.class, KeysCommand.class, CommandLine.HelpCommand.class,
                AotTrainingCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true), System.getenv());
        System.exit(code);
    }

    /** Runs one command line, printing through the given writers; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env) {
        CommandLine cli = new CommandLine(new Main(), new Factory(env));
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((ex, line, parsed) -> {
            line.getErr().println("lifeline: " + ex.getMessage());
            return line.getCommandSpec().exitCodeOnExecutionException();
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Gives commands the environment, so tests can pass their own. */
    record Factory(Map<String, String> env) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> cls) throws Exception {
            try {
                return cls.getDeclaredConstructor(Map.class).newInstance(env);
            } catch (NoSuchMethodException e) {
                return CommandLine.defaultFactory().create(cls);
            }
        }
    }
}
