package io.drover.node;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code drover} command line. */
@Command(
    name = "drover",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Declarative worker supervisor: runs the apps a HOCON file declares and keeps them running.",
    subcommands = {RunCommand.class, ValidateCommand.class, io.drover.node.cli.StatusCommand.class, io.drover.node.cli.TopCommand.class, io.drover.node.cli.ScaleCommand.class, io.drover.node.cli.RolloutCommand.class, io.drover.node.cli.RestartCommand.class, io.drover.node.cli.StopCommand.class, io.drover.node.cli.StartCommand.class, io.drover.node.cli.LogsCommand.class, io.drover.node.cli.EventsCommand.class, io.drover.node.cli.ApplyCommand.class, io.drover.node.cli.ClusterCommand.class, io.drover.node.onboard.InitCommand.class, io.drover.node.onboard.ImportCommand.class, io.drover.node.onboard.StartupCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // an API verb (status, scale, ...) builds nothing but its own command and starts no logging
    if (args.length > 0 && io.drover.node.cli.ClientVerbs.isVerb(args[0])) {
      io.drover.node.cli.ClientVerbs.main(args);
    }
    if (args.length > 0 && !args[0].startsWith("-") && !args[0].equals("help")) {
      // Initialise logging before any other thread logs (SLF4J would replay those calls noisily).
      org.slf4j.LoggerFactory.getILoggerFactory();
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return withHandlers(new CommandLine(new Main()));
  }

  static CommandLine withHandlers(CommandLine commandLine) {
    return io.drover.node.cli.ClientVerbs.withHandlers(commandLine);
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command (try: drover run FILE, or drover run -i 2 -- node app.js)");
  }

  /** The version line (the same for the API verbs' quick start). */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {io.drover.node.cli.ClientVerbs.version()};
    }
  }
}
